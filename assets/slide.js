/* Slide export (PNG 16:9) of the map: legend, a sentence summarising the filters,
   the as-of date and the sources, drawn into the image by Plotly. Served from
   /assets (script-src 'self'). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  ti: {
    slide: function (n) {
      if (!n) { return window.dash_clientside.no_update; }
      const gd = document.querySelector('#carte .js-plotly-plot');
      if (!gd || !window.Plotly) { return "Export impossible : carte non chargée."; }
      // Page text may hold names from data files: escaped, since Plotly reads <a>, <b>… in titles.
      const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const text = (id) => { const el = document.getElementById(id); return el ? esc(el.textContent.trim()) : ''; };
      const source = document.querySelector('.source-line');
      const wrap = (s, n) => s.replace(new RegExp('(.{1,' + n + '})(\\s|$)', 'g'), '$1<br>').replace(/<br>$/, '');
      const layout = JSON.parse(JSON.stringify(gd.layout));
      layout.showlegend = true;
      layout.legend = {x: 0.01, y: 0.02, bgcolor: 'rgba(255,255,255,0.9)', font: {size: 16}};
      layout.margin = {l: 10, r: 10, t: 110, b: 70};
      layout.title = {text: "<b>Territoires d'industrie — lauréats France Relance</b><br><span style='font-size:17px'>" +
                      wrap(text('resume-filtres'), 150) + "</span>", x: 0.01, xanchor: 'left', y: 0.97, font: {size: 26}};
      layout.annotations = [{text: source ? esc(source.textContent.trim()) : '', showarrow: false, xref: 'paper',
                             yref: 'paper', x: 0, y: -0.06, xanchor: 'left', font: {size: 14, color: '#555'}}];
      const data = gd.data.map((t, i) => Object.assign({}, t, (i === 3 || i === 4) && t.lat && t.lat.length ? {showlegend: true} : {}));
      window.Plotly.toImage({data: data, layout: layout}, {format: 'png', width: 1600, height: 900})
        .then(function (url) {
          const a = document.createElement('a');
          a.href = url; a.download = 'carte-territoires-industrie.png';
          document.body.appendChild(a); a.click(); a.remove();
        });
      return "Image 16:9 générée : carte-territoires-industrie.png";
    }
  }
});
