/* plotly.js: Dash's dcc.Graph loads it, when the first graph mounts, from window._dashPlotlyJSURL
   (set by Dash's renderer to its full bundle, 4.8 MB, not versioned). The page gives instead the
   partial bundle of the map (choroplethmap, scattermap, bar) at a versioned URL, already fetched
   by a preload in <head> (meta "ti-plotly", see dashboard/web/static_files.py). Served from
   /assets (script-src 'self'); runs before the renderer. */
(function () {
  var meta = document.querySelector('meta[name="ti-plotly"]');
  if (!meta || window.Plotly) { return; }
  var url = meta.getAttribute('content');
  Object.defineProperty(window, '_dashPlotlyJSURL', {
    configurable: true,
    get: function () { return url; },
    set: function () {}  // the renderer's own value is ignored
  });
})();
