/* The embed view (?embed=1) is a light page: no Dash renderer. Its figure and config are a JSON
   data block of the page (dashboard/views/embed.py); plotly.js (loaded just before, deferred)
   draws them in #carte. Served from /assets (script-src 'self'); not loaded by the Dash page. */
(function () {
  var data = document.getElementById('figure-carte');
  var box = document.querySelector('#carte .carte-graphe');
  if (!data || !box) { return; }
  var spec = JSON.parse(data.textContent);
  window.Plotly.newPlot(box, spec.figure.data, spec.figure.layout, spec.config).then(function () {
    document.dispatchEvent(new Event('ti:carte-dessinee'));  // place names (assets/lieux.js)
  });
})();
