/* The first map drawn once, complete. MapLibre paints a frame each time part of the map arrives:
   the empty style, then each trace's layers as plotly.js adds them, then each GeoJSON tile as its
   worker cuts it — every frame a full WebGL draw (in software on machines without a GPU), for
   pictures nobody needs to see. Here, from the moment a map is created until it is complete (style
   and tiles loaded, every visible trace of its subplot added), its painter skips drawing; MapLibre
   keeps loading as usual (only the painting is held), and the first frame drawn is the whole map.
   After that, drawing is MapLibre's own (pans, zooms, updates). A map still incomplete after
   HOLD_MS is drawn anyway. The very first frame (the empty style, a plain background) is drawn:
   the painter sets up its WebGL state then, and a map whose first frame was skipped stayed blank.
   Served from /assets (script-src 'self'); runs before any map exists. */
(function () {
  var HOLD_MS = 4000;

  function visibleTraces(sub) {
    var n = 0;
    ((sub.gd && sub.gd._fullData) || []).forEach(function (t) {
      if (t.visible === true && t.subplot === sub.id) { n++; }
    });
    return n;
  }

  function complete(map, sub) {
    return map.loaded() && Object.keys(sub.traceHash || {}).length >= visibleTraces(sub);
  }

  function hold(sub) {
    var map = sub.map, painter = map && map.painter;
    if (!painter || painter._tiHeld) { return; }
    painter._tiHeld = true;
    var render = painter.render, started = Date.now(), first = true;
    painter.render = function () {
      if (first) { first = false; return render.apply(painter, arguments); }  // the set-up frame
      if (!complete(map, sub) && Date.now() - started < HOLD_MS) { return undefined; }
      painter.render = render;  // complete: from now on, MapLibre's own drawing
      return render.apply(painter, arguments);
    };
    // nothing left to load (or a stall): one more frame, so the map is drawn however it ends
    window.setTimeout(function () { if (painter.render !== render) { map.triggerRepaint(); } }, HOLD_MS + 50);
  }

  /* The map's canvas appears while plotly.js creates the map: the observer runs (a microtask)
     before the first animation frame, when MapLibre would paint. */
  function holdMapsOf(node) {
    var gd = node.closest && node.closest('.js-plotly-plot');
    var fl = gd && gd._fullLayout;
    ((fl && fl._subplots && fl._subplots.map) || []).forEach(function (id) {
      if (fl[id] && fl[id]._subplot) { hold(fl[id]._subplot); }
    });
  }

  new MutationObserver(function (records) {
    for (var i = 0; i < records.length; i++) {
      var added = records[i].addedNodes;
      for (var j = 0; j < added.length; j++) {
        var node = added[j];
        if (node.nodeType === 1 && node.classList.contains('maplibregl-canvas-container')) { holdMapsOf(node); }
      }
    }
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
