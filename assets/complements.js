/* The map figure's constant parts (pin hover texts, territory names, region lines) come from
   versioned, cached URLs rather than inside every page: a trace names its part in
   meta.complement (dashboard/views/map_complements.py). Each time plotly.js is asked to draw a
   figure, its traces get their parts first (fetched once per page), then it is drawn, once.
   Served from /assets (script-src 'self'); runs before or after plotly.js (async on a map page). */
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

  /* Gives the traces of ``traces`` their parts, fetching the missing ones first (each once per
     page; on a later visit the browser's cache answers): the map is drawn once, complete — a
     restyle after the first drawing would draw it again. */
  function complete(traces) {
    var waits = [];
    (traces || []).forEach(function (trace) {
      var url = trace && trace.meta && trace.meta.complement;
      if (!url || trace._tiComplement === url) { return; }
      if (loaded[url]) {  // already here: given at once
        Object.assign(trace, attributes(trace, loaded[url]));
        trace._tiComplement = url;
        return;
      }
      waits.push(fetchPart(url).then(function (part) {
        if (trace.meta && trace.meta.complement === url) {
          Object.assign(trace, attributes(trace, part));
          trace._tiComplement = url;
        }
      }));
    });
    return waits;
  }

  function install(P) {
    ['react', 'newPlot'].forEach(function (name) {
      var original = P[name];
      if (typeof original !== 'function' || original._ti) { return; }
      var wrapped = function (gd, data) {
        var self = this, args = arguments;
        var waits = complete(Array.isArray(data) ? data : data && data.data);
        if (!waits.length) { return original.apply(self, args); }  // nothing missing: at once
        var el = typeof gd === 'string' ? document.getElementById(gd) : gd;
        // one drawing at a time per plot, in call order (a later update waits for this one)
        var previous = (el && el._tiQueue) || Promise.resolve();
        var next = previous.then(function () { return Promise.all(waits); }).catch(function (err) {
          console.error(err);  // drawn without the missing part rather than not at all
        }).then(function () { return original.apply(self, args); });
        if (el) { el._tiQueue = next.catch(function () {}); }
        return next;
      };
      wrapped._ti = true;
      P[name] = wrapped;
    });
  }

  /* plotly.js defines window.Plotly when it runs (var Plotly = … in its bundle): install then.
     On a map page it comes from an async script of <head> (data-ti-plotly): until it has run,
     window.Plotly is a promise of it, so the map's drawing (assets/carte-dessin.js) and the charts
     of the tabs (dcc.Graph, which would otherwise load plotly.js itself: window.Plotly || a script
     of its own) wait for that one — never run twice. Its failure rejects the promise (the map then
     says so), or, if it came before this script, 30 s do. */
  if (window.Plotly) { install(window.Plotly); return; }
  var current, waiting = [];
  var script = document.querySelector('script[data-ti-plotly]');
  var fail = function (message) {
    waiting.splice(0).forEach(function (w) { w.reject(new Error(message)); });
  };
  if (script) {
    script.addEventListener('error', function () { fail('plotly.js indisponible : ' + script.src); });
  }
  var promised = script && {
    then: function (resolve, reject) {
      if (current) { resolve(current); return; }
      waiting.push({resolve: resolve, reject: reject});
      window.setTimeout(function () {
        if (!current) { fail('plotly.js non chargé après 30 s : ' + script.src); }
      }, 30000);
    }
  };
  Object.defineProperty(window, 'Plotly', {
    configurable: true, enumerable: true,
    get: function () { return current || promised || undefined; },
    set: function (P) {
      current = P;
      if (P) {
        install(P);
        waiting.splice(0).forEach(function (w) { w.resolve(P); });
      }
    }
  });
})();
