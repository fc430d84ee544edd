/* The map in French for screen readers, and printable. Served from /assets.
   - MapLibre's own texts (canvas « Map », « Toggle attribution ») are English and
     Plotly does not pass a locale to MapLibre: they are replaced here, on the
     elements and in the map's dictionary (controls added later read it).
   - Printing (Ctrl+P, or print media emulated): the WebGL canvas may print blank,
     so a picture of it is laid over it while the print media applies. */
(function () {
  var FR = {
    'Map.Title': 'Carte',
    'AttributionControl.ToggleAttribution': 'Afficher ou masquer les crédits',
    'AttributionControl.MapFeedback': 'Signaler un problème sur la carte',
    'NavigationControl.ZoomIn': 'Zoom avant',
    'NavigationControl.ZoomOut': 'Zoom arrière',
    'NavigationControl.ResetBearing': 'Réorienter vers le nord',
    'FullscreenControl.Enter': 'Plein écran',
    'FullscreenControl.Exit': 'Quitter le plein écran',
    'Popup.Close': 'Fermer',
    'ScrollZoomBlocker.CtrlMessage': 'Ctrl + molette pour zoomer',
    'TouchPanBlocker.Message': 'Deux doigts pour déplacer la carte'
  };
  var MAP_LABEL = 'Carte des lauréats et des territoires (version accessible : onglet « Classement »)';

  function maps() {
    var out = [];
    document.querySelectorAll('.js-plotly-plot').forEach(function (gd) {
      var fl = gd._fullLayout;
      if (fl && fl.map && fl.map._subplot && fl.map._subplot.map) { out.push(fl.map._subplot.map); }
    });
    return out;
  }

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }

  function frenchify() {
    maps().forEach(function (m) {
      if (m._locale && m._locale['Map.Title'] !== FR['Map.Title']) { Object.assign(m._locale, FR); }
    });
    document.querySelectorAll('.maplibregl-canvas').forEach(function (c) { setAttr(c, 'aria-label', MAP_LABEL); });
    document.querySelectorAll('.maplibregl-ctrl-attrib-button').forEach(function (b) {
      setAttr(b, 'title', FR['AttributionControl.ToggleAttribution']);
      setAttr(b, 'aria-label', FR['AttributionControl.ToggleAttribution']);
    });
  }

  var queued = false;
  new MutationObserver(function () {
    if (queued) { return; }
    queued = true;
    window.requestAnimationFrame(function () { queued = false; frenchify(); });
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                        attributeFilter: ['aria-label', 'title']});

  /* Print: a picture of each map canvas (drawn again synchronously so the buffer is full). */
  function snapshot() {
    maps().forEach(function (m) {
      var box = m.getContainer();
      var old = box.querySelector('img.carte-impression');
      if (old) { old.remove(); }
      try {
        m.redraw();
        var img = document.createElement('img');
        img.className = 'carte-impression';
        img.alt = '';
        img.src = m.getCanvas().toDataURL('image/png');
        box.appendChild(img);
        box.classList.add('carte-imprimee');
      } catch (e) {
        window.console.warn('carte : image pour l’impression impossible', e);
      }
    });
  }
  function release() {
    document.querySelectorAll('img.carte-impression').forEach(function (img) { img.remove(); });
    document.querySelectorAll('.carte-imprimee').forEach(function (b) { b.classList.remove('carte-imprimee'); });
  }
  window.addEventListener('beforeprint', snapshot);
  window.addEventListener('afterprint', release);
  var printing = window.matchMedia('print');
  printing.addEventListener('change', function (e) { if (e.matches) { snapshot(); } else { release(); } });
})();
