/* The map figure's constant parts (pin hover texts, territory names, region lines) come from
   versioned, cached URLs rather than inside every page: a trace names its part in
   meta.complement (dashboard/views/map_complements.py). Each time plotly.js draws a figure, a
   trace whose part is known gets it at once; otherwise it is fetched (once per page) and the
   trace restyled. Served from /assets (script-src 'self'); runs before plotly.js loads. */
(function () {
  var loaded = {}, pending = {};

  function attributes(trace, part) {
    if (part.hovertext) { return {hovertext: part.hovertext}; }
    if (part.lon) { return {lon: part.lon, lat: part.lat}; }
    if (part.noms) {
      return {customdata: (trace.locations || []).map(function (l) { return part.noms[l] || ''; })};
    }
    return {};
  }

  function fetchPart(url) {
    if (!pending[url]) {
      pending[url] = fetch(url, {credentials: 'same-origin'}).then(function (r) {
        if (!r.ok) { throw new Error('complément de la carte indisponible (' + r.status + ') : ' + url); }
        return r.json();
      }).then(function (part) { loaded[url] = part; return part; });
    }
    return pending[url];
  }

  /* Gives the traces of ``traces`` their known parts; returns a function that, once the figure is
     drawn (``drawn``: the promise of plotly.js's call), fetches the others and restyles. */
  function prepare(P, gd, traces) {
    var missing = [];
    (traces || []).forEach(function (trace, i) {
      var url = trace && trace.meta && trace.meta.complement;
      if (!url || trace._tiComplement === url) { return; }
      if (loaded[url]) {  // known: given before drawing
        Object.assign(trace, attributes(trace, loaded[url]));
        trace._tiComplement = url;
      } else {
        missing.push([i, url]);
      }
    });
    return function (drawn) {
      missing.forEach(function (m) {
        var i = m[0], url = m[1];
        Promise.all([fetchPart(url), drawn]).then(function (res) {
          var cur = gd.data && gd.data[i];  // the figure may have changed meanwhile
          if (!cur || !cur.meta || cur.meta.complement !== url || cur._tiComplement === url) { return; }
          var attrs = attributes(cur, res[0]), update = {};
          Object.keys(attrs).forEach(function (k) { update[k] = [attrs[k]]; });
          cur._tiComplement = url;
          return P.restyle(gd, update, [i]);
        }).catch(function (err) { console.error(err); });
      });
    };
  }

  function install(P) {
    ['react', 'newPlot'].forEach(function (name) {
      var original = P[name];
      if (typeof original !== 'function' || original._ti) { return; }
      var wrapped = function (gd, data) {
        var el = typeof gd === 'string' ? document.getElementById(gd) : gd;
        var later = prepare(P, el, Array.isArray(data) ? data : data && data.data);
        var drawn = original.apply(this, arguments);
        later(Promise.resolve(drawn));
        return drawn;
      };
      wrapped._ti = true;
      P[name] = wrapped;
    });
  }

  /* plotly.js defines window.Plotly when it runs (var Plotly = … in its bundle): install then. */
  if (window.Plotly) { install(window.Plotly); return; }
  var current;
  Object.defineProperty(window, 'Plotly', {
    configurable: true, enumerable: true,
    get: function () { return current; },
    set: function (P) { current = P; if (P) { install(P); } }
  });
})();
