/* Slide export (PNG 16:9) of the map: drawn on the server (/export.png, same query as the page)
   with the title, the full subtitle (indicator, level, phase, filters), the classed legend with the
   selected territory named, the overseas insets, the as-of date and the sources. Served from
   /assets (script-src 'self'). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  ti: {
    slide: function (n) {
      if (!n) { return window.dash_clientside.no_update; }
      const a = document.createElement('a');
      a.href = 'export.png' + window.location.search;
      a.download = 'carte-territoires-industrie.png';
      document.body.appendChild(a); a.click(); a.remove();
      return "Image 16:9 générée : carte-territoires-industrie.png";
    }
  }
});
