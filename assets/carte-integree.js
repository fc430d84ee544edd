/* The embed view (?embed=1) is a light page: no Dash renderer. Its figure and config are a JSON
   data block of the page (dashboard/views/embed.py); plotly.js (loaded just before, deferred)
   draws them in #carte. Served from /assets (script-src 'self'); not loaded by the Dash page. */
(function () {
  var data = document.getElementById('figure-carte');
  var box = document.querySelector('#carte .carte-graphe');
  if (!data || !box) { return; }
  var spec = JSON.parse(data.textContent), drawn = false;
  /* The plot takes its box's size when drawn, and keeps it: "responsive" follows the window only.
     A box that changes size afterwards (the host page resizing its frame, a phone turned, a frame
     drawn while hidden in a closed tab, where plotly.js falls back to 700 px wide) gets the plot
     resized to it; integration.js then fits the zoom to the new size. Observed from the start, so
     that a change while the map is still loading is not missed. */
  function followBox() {
    var fl = box._fullLayout, r = box.getBoundingClientRect();
    if (!drawn || !fl || r.width < 1 || r.height < 1) { return; }  // not drawn yet, or hidden
    if (Math.abs(fl.width - r.width) > 2 || Math.abs(fl.height - r.height) > 2) {
      window.Plotly.Plots.resize(box);
    }
  }
  if (window.ResizeObserver) { new ResizeObserver(followBox).observe(box); }
  window.Plotly.newPlot(box, spec.figure.data, spec.figure.layout, spec.config).then(function () {
    drawn = true;
    document.dispatchEvent(new Event('ti:carte-dessinee'));  // place names (assets/lieux.js)
    followBox();
  });
})();
