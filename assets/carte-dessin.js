/* The map, drawn by plotly.js from the figure written in the page (a JSON data block,
   #figure-carte: dashboard/views/html_render.py), without waiting for anything else. Served from
   /assets (script-src 'self'), deferred: it runs after assets/complements.js and
   assets/premier-dessin.js, and draws as soon as plotly.js (async) has run.
   - The embed view (?embed=1, no Dash renderer) has its box in the HTML: drawn there.
   - The full page: its box (#carte) comes with Dash's layout, later. The map is drawn at once,
     off-screen, at the size its box will have, and moved into the box when Dash has rendered it:
     plotly.js and MapLibre do their work while Dash starts, not after. Dash's callbacks send
     the changes of the view as the operations of a Patch (the store #carte-figure, see
     dashboard/callbacks/view.py): applied to the figure here, drawn by Plotly.react; a click on
     the map goes back to Dash as the store #carte-clic. */
(function () {
  var data = document.getElementById('figure-carte');
  if (!data) { return; }
  var spec = JSON.parse(data.textContent);
  var figure = spec.figure;  // what the map shows now (the server's updates apply to it)
  var box = document.querySelector('#carte .carte-graphe'), holder = null, drawn = false;
  var MAP_ID = 'carte', CLICK_STORE = 'carte-clic';

  /* The size inside the page's map box (assets/style.css: 620 px high, 62vh on a phone, a 1 px
     border; the map's column of the page's grid, the page's 16 px margins, a scroll bar once the page
     is laid out): the plot is drawn at the size it will have, so that moving it into its box does
     not resize it (a resize after the first drawing makes MapLibre load and draw again). */
  var BORDER = 2;
  function expectedSize() {
    var w = document.documentElement.clientWidth || window.innerWidth;
    if (w < 768) { return {width: w - 32 - BORDER, height: Math.max(300, window.innerHeight * 0.62) - BORDER}; }
    var laidOut = document.body && document.body.scrollHeight > window.innerHeight;  // its scroll bar shown
    var inner = w - 32 - (laidOut ? 0 : 15);
    return {width: (w >= 1200 ? inner * 10 / 12 - 4 : inner * 0.75 - 6) - BORDER, height: 620 - BORDER};
  }

  if (!box) {  // the full page: the map waits off-screen (put in the document when plotly.js is here)
    holder = document.createElement('div');
    holder.className = 'carte-en-attente';
    holder.setAttribute('aria-hidden', 'true');
    box = document.createElement('div');
    box.className = 'carte-graphe';
    holder.appendChild(box);
  }

  function wait() {  // the holder off-screen, at the size of the box (unless the box came first)
    if (!holder || box.parentNode !== holder) { return; }
    var size = expectedSize();
    holder.style.cssText = 'position:absolute;left:-20000px;top:0;width:' + size.width + 'px;height:' +
      size.height + 'px';
    (document.body || document.documentElement).appendChild(holder);  // <body> may not be parsed yet
  }

  /* The plot takes its box's size when drawn, and keeps it: "responsive" follows the window only.
     A box that changes size afterwards (the host page resizing its frame, a phone turned, a frame
     drawn while hidden in a closed tab, where plotly.js falls back to 700 px wide; the full page's
     map moved into its box) gets the plot resized to it; integration.js then fits the zoom to the
     new size. Observed from the start, so that a change while the map is still loading is not
     missed. */
  function followBox() {
    var fl = box._fullLayout, r = box.getBoundingClientRect();
    if (!drawn || !fl || r.width < 1 || r.height < 1) { return; }  // not drawn yet, or hidden
    if (Math.abs(fl.width - r.width) > 2 || Math.abs(fl.height - r.height) > 2) {
      window.Plotly.Plots.resize(box);
    }
  }
  if (window.ResizeObserver) { new ResizeObserver(followBox).observe(box); }

  var drawing = Promise.resolve(window.Plotly).then(function (P) {
    if (!P || !P.newPlot) { throw new Error('plotly.js absent'); }
    wait();
    return P.newPlot(box, figure.data, fitted(copyLayout(figure.layout), 'view'), spec.config);
  }).then(function () {
    drawn = true;
    box.setAttribute('data-dessinee', '');  // the zoom may be fitted now (assets/integration.js)
    document.dispatchEvent(new Event('ti:carte-dessinee'));  // place names (assets/lieux.js), the fit
    followBox();
    if (holder) { listen(); }
  }).catch(function (err) {  // plotly.js not loaded, or the drawing failed: said in the map's place
    window.console.error('carte : dessin impossible', err);
    box.setAttribute('role', 'alert');
    box.className += ' carte-erreur';
    box.textContent = 'La carte n’a pas pu être affichée. Rechargez la page ; le classement et la fiche ' +
      'restent disponibles dans les onglets.';
  });

  /* The full page: into its box as soon as Dash has rendered it (the box is a Div of Dash's
     layout without children: React leaves the map in it). */
  function place() {
    var slot = holder && document.getElementById(MAP_ID);
    if (!slot || box.parentNode === slot) { return; }
    slot.appendChild(box);
    holder.remove();
    followBox();
  }
  if (holder) {
    var observer = new MutationObserver(function () {
      place();
      if (box.parentNode !== holder) { observer.disconnect(); }
    });
    observer.observe(document.documentElement, {childList: true, subtree: true});
    place();
  }

  function copyLayout(layout) {  // plotly.js writes into the layout it is given (zoom, sizes)
    return JSON.parse(JSON.stringify(layout || {}));
  }

  /* The layout fitted to the size the map is drawn at (a phone, a small frame: assets/integration.js):
     its legend (part 'legend'), and the zoom of a view the server placed (part 'view'), so that the
     map is drawn once at its zoom. */
  function fitted(layout, part) {
    var r = box.getBoundingClientRect(), fit = window.ti_carte_ajustement;
    return fit ? (part === 'view' ? fit.view(box, layout, r.width, r.height) : fit.legend(layout, r.width, r.height))
      : layout;
  }

  /* A click on a territory: its location to Dash (the fields of dcc.Graph's clickData the server reads). */
  function listen() {
    box.on('plotly_click', function (ev) {
      var p = ev && ev.points && ev.points[0];
      if (!p || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
      window.dash_clientside.set_props(CLICK_STORE, {data: {points: [{
        curveNumber: p.curveNumber, pointNumber: p.pointNumber, location: p.location, z: p.z}]}});
    });
  }

  /* An update that keeps the view (same uirevision: a filter, an indicator) keeps the map where it
     is shown: the zoom fitted to a small map (assets/integration.js), or the user's own. The
     server's zoom is for a 900×620 map: on a phone it cut the region to the screen's width. A new
     view is fitted to the map's size before it is drawn. Either way a small map keeps its small
     legend. */
  function keepView(layout) {
    var fl = box._fullLayout, shown = fl && fl.map;
    if (!shown || !layout.map) { return layout; }
    if (String(layout.uirevision) !== String(fl.uirevision)) { return fitted(layout, 'view'); }
    layout.map.zoom = shown.zoom;
    layout.map.center = {lon: shown.center.lon, lat: shown.center.lat};
    return fitted(layout, 'legend');
  }

  /* The operations of a Dash Patch (Assign, Merge, Delete: those dashboard/ sends), applied to
     a copy of the figure: each object on an operation's path copied, the rest shared. */
  function applyOperations(fig, operations) {
    var root = {figure: fig};
    operations.forEach(function (op) {
      var path = ['figure'].concat(op.location), node = root;
      for (var i = 0; i < path.length - 1; i++) {
        var key = path[i], next = node[key];
        next = Array.isArray(next) ? next.slice() : Object.assign({}, next || {});
        node[key] = next;
        node = next;
      }
      var last = path[path.length - 1], value = op.params && op.params.value;
      if (op.operation === 'Assign') { node[last] = value; }
      else if (op.operation === 'Merge') { node[last] = Object.assign({}, node[last] || {}, value); }
      else if (op.operation === 'Delete') { delete node[last]; }
      else { throw new Error('carte : opération non prise en charge : ' + op.operation); }
    });
    return root.figure;
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    ti_carte: {
      /* Client-side callback of the store #carte-figure: {operations: […]} from the server. */
      update: function (change) {
        if (!change || !Array.isArray(change.operations)) { return window.dash_clientside.no_update; }
        drawing = drawing.then(function () {
          figure = applyOperations(figure, change.operations);
          return window.Plotly.react(box, figure.data, keepView(copyLayout(figure.layout)), spec.config);
        }).catch(function (err) { window.console.error('carte : mise à jour impossible', err); });
        return window.dash_clientside.no_update;
      }
    }
  });
})();
