/* Embedding: the iframe code of the current view ("Intégrer") and, in the
   embed view, the link to the same view on the full page. Served from
   /assets (script-src 'self'); no inline script. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  ti_integration: {
    /* Query string without the embed parameter (the full page of the same view). */
    fullQuery: function (search) {
      const params = new URLSearchParams(search || '');
      params.delete('embed');
      const q = params.toString();
      return q ? '?' + q : '';
    },
    embedCode: function (search) {
      const params = new URLSearchParams(search || '');
      params.set('embed', '1');
      const src = window.location.origin + window.location.pathname + '?' + params.toString();
      const esc = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
      return '<iframe src="' + esc(src) + '" width="600" height="400" style="border:0;max-width:100%" ' +
             'title="Carte des Territoires d’industrie et des lauréats France Relance" loading="lazy"></iframe>';
    },
    fullViewHref: function (search) {
      return './' + window.dash_clientside.ti_integration.fullQuery(search);
    }
  }
});

/* The server chooses the zoom for a map about 900×620 px; in a smaller map (embed, phone) the
   view zooms out so that the same area stays in sight: at load, for each view the server moves to
   (a new region, département or commune: a new uirevision), and when the map changes size (a frame
   resized by its host page, a phone turned) as long as the user has not zoomed since. Only once
   the plot has its final size (styles loaded, responsive resize done): a plot measured before that
   would zoom out far too much. And only once the map's first drawing is done (the attribute
   data-dessinee, set by assets/carte-dessin.js): until then plotly.js sets the map, when its geometry
   has come, to the view of the figure it started from, undoing a zoom fitted in between. */
(function () {
  var SMALL_WIDTH = 520, SMALL_HEIGHT = 360, SMALL_FONT = 9, SMALL_PAD = 2;
  function zoomFor(server, width, height) {  // the server's zoom, for a map of this size
    var scale = Math.min(height / 620, width / 900, 1);
    return server + (scale < 0.95 ? Math.max(Math.log2(scale), -2) : 0);
  }
  function isSmall(width, height) { return width < SMALL_WIDTH || height < SMALL_HEIGHT; }
  /* A layout fitted before it is drawn (assets/carte-dessin.js), for a map of width × height:
     legend(layout, …): its class legend in smaller type on a small map (every update);
     view(gd, layout, …): also the zoom of a view the server placed (the first drawing, a new view),
     so that the map is drawn once at its zoom instead of drawn at the server's then zoomed out
     (MapLibre cutting its tiles again). */
  window.ti_carte_ajustement = {
    legend: function (layout, width, height) {
      var ann = layout.annotations;
      if (isSmall(width, height) && ann && ann.length) {
        layout.annotations = [Object.assign({}, ann[0], {font: Object.assign({}, ann[0].font, {size: SMALL_FONT}),
                                                          borderpad: SMALL_PAD})].concat(ann.slice(1));
      }
      return layout;
    },
    view: function (gd, layout, width, height) {
      if (!layout.map || typeof layout.map.zoom !== 'number' || width < 150 || height < 150) { return layout; }
      var server = layout.map.zoom;
      layout.map = Object.assign({}, layout.map, {zoom: zoomFor(server, width, height)});
      gd._tiZoom = {rev: String(layout.uirevision), server: server, zoom: layout.map.zoom, width: width,
                    height: height};
      return window.ti_carte_ajustement.legend(layout, width, height);
    }
  };
  function fitZoom(gd) {
    var fl = gd._fullLayout;
    if (!fl || !fl.map || !window.Plotly || !gd.hasAttribute('data-dessinee')) { return; }
    var r = gd.getBoundingClientRect();
    if (r.height < 150 || r.width < 150 || Math.abs(fl.height - r.height) > 2 || Math.abs(fl.width - r.width) > 2) {
      return;  // not laid out at its final size yet: the next afterplot will tell
    }
    var rev = String(fl.uirevision), fit = gd._tiZoom;
    if (!fit || fit.rev !== rev) {  // a view placed by the server
      fit = gd._tiZoom = {rev: rev, server: fl.map.zoom, zoom: fl.map.zoom, width: 0, height: 0};
    }
    if (Math.abs(fl.map.zoom - fit.zoom) > 1e-6) { return; }  // zoomed by the user since: theirs
    if (Math.abs(fit.width - r.width) <= 2 && Math.abs(fit.height - r.height) <= 2) { return; }
    fit.width = r.width;
    fit.height = r.height;
    fit.zoom = zoomFor(fit.server, r.width, r.height);
    if (Math.abs(fit.zoom - fl.map.zoom) > 1e-6) { window.Plotly.relayout(gd, {'map.zoom': fit.zoom}); }
  }
  /* In a small map (a 300×250 frame, a phone) the class legend is set in smaller type, so
     that it leaves most of the map in sight; it is set again after each update of the view. */
  function fitLegend(gd) {
    var fl = gd._fullLayout, ann = gd.layout && gd.layout.annotations;
    if (!fl || !ann || !ann.length || !window.Plotly || !gd.hasAttribute('data-dessinee')) { return; }
    if (!isSmall(fl.width, fl.height)) { return; }
    var font = ann[0].font || {};
    if (font.size === SMALL_FONT) { return; }
    window.Plotly.relayout(gd, {'annotations[0].font.size': SMALL_FONT, 'annotations[0].borderpad': SMALL_PAD});
  }

  var obs = new MutationObserver(function () {
    var gd = document.querySelector('#carte .js-plotly-plot');
    if (!gd || !gd.on || gd.dataset.suivi) { return; }
    gd.dataset.suivi = '1';
    gd.on('plotly_afterplot', function () { fitZoom(gd); fitLegend(gd); });
    fitZoom(gd);
    fitLegend(gd);
  });
  obs.observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('ti:carte-dessinee', function () {  // the first drawing done
    var gd = document.querySelector('#carte .js-plotly-plot');
    if (gd) { fitZoom(gd); fitLegend(gd); }
  });
})();
