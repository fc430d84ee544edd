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
    /* The plot takes its box's size when drawn; a box that changes size afterwards (the frame's
       layout settling on a busy machine: a 300×250 frame showed the left part of a wider canvas,
       off its region) gets the plot resized to it ("responsive" follows the window only). */
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        var fl = box._fullLayout, r = box.getBoundingClientRect();
        if (fl && (Math.abs(fl.width - r.width) > 2 || Math.abs(fl.height - r.height) > 2)) {
          window.Plotly.Plots.resize(box);
        }
      }).observe(box);
    }
  });
})();
