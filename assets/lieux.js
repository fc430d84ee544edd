/* Town names over the map (no tiles, no font server): regional capitals at
   every zoom, préfectures from zoom 5.5, towns of 30 000+ inhabitants from 6.5,
   of 10 000+ from 7.5; a name that would overlap one already placed is left
   out, and so is one over the legend or the toolbar, or cut by the map's edge.
   Data: /geo/lieux.json ([name, lon, lat, rank], most important first).
   Decorative for screen readers (aria-hidden): the places are in the fiche and
   the search. Served from /assets. */
(function () {
  var MIN_ZOOM = [0, 5.5, 6.5, 7.5];
  var places = null, loading = false, map = null, layer = null, queued = false;

  function draw() {
    queued = false;
    if (!places || !map || !layer) { return; }
    var z = map.getZoom(), c = map.getCanvas(), w = c.clientWidth, h = c.clientHeight;
    var boxes = obstacles(c), html = [], shown = 0;
    for (var i = 0; i < places.length && shown < 160; i++) {
      var p = places[i];
      if (z < MIN_ZOOM[p[3]]) { continue; }
      var pt = map.project([p[1], p[2]]);
      var bw = p[0].length * (p[3] === 0 ? 7.2 : 6.4) + 6, bh = 15;
      var b = [pt.x - bw / 2, pt.y - bh - 3, pt.x + bw / 2, pt.y - 3];
      if (b[0] < 0 || b[1] < 0 || b[2] > w || b[3] > h) { continue; }  // a name cut by the map's edge: left out
      var clash = false;
      for (var k = 0; k < boxes.length; k++) {
        var o = boxes[k];
        if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) { clash = true; break; }
      }
      if (clash) { continue; }
      boxes.push(b);
      shown++;
      var name = p[0].replace(/&/g, '&amp;').replace(/</g, '&lt;');
      html.push('<span class="lieu lieu-' + p[3] + '" style="left:' + Math.round(pt.x) + 'px;top:' +
                Math.round(pt.y - 3) + 'px">' + name + '</span>');
    }
    layer.innerHTML = html.join('');
  }

  /* The map's legend (an annotation) and toolbar, as boxes in canvas pixels: no name is written over them. */
  function obstacles(canvas) {
    var gd = document.querySelector('#carte .js-plotly-plot'), out = [];
    if (!gd) { return out; }
    var origin = canvas.getBoundingClientRect();
    gd.querySelectorAll('.annotation, .modebar-container .modebar').forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) {
        out.push([r.left - origin.left - 4, r.top - origin.top - 4, r.right - origin.left + 4, r.bottom - origin.top + 4]);
      }
    });
    return out;
  }

  function schedule() { if (!queued) { queued = true; window.requestAnimationFrame(draw); } }

  function attach() {
    var gd = document.querySelector('#carte .js-plotly-plot');
    var src = document.getElementById('source-lieux');
    if (!gd || !src || !gd._fullLayout || !gd._fullLayout.map || !gd._fullLayout.map._subplot) { return; }
    var m = gd._fullLayout.map._subplot.map;
    if (!m || m === map) { return; }
    map = m;
    layer = document.createElement('div');
    layer.className = 'lieux';
    layer.setAttribute('aria-hidden', 'true');
    m.getContainer().appendChild(layer);
    m.on('move', schedule);
    m.on('resize', schedule);
    if (gd.on) { gd.on('plotly_afterplot', schedule); }  // the legend may have changed size
    if (!places && !loading) {
      loading = true;
      fetch(src.getAttribute('data-url')).then(function (r) { return r.ok ? r.json() : []; })
        .then(function (d) { places = d; schedule(); });
    }
    schedule();
  }

  new MutationObserver(attach).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('ti:carte-dessinee', attach);  // the embed view (no later DOM change)
})();
