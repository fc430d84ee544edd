/* Phone layout: the filter panel is a drawer. Opening moves the focus into it,
   closing gives it back to the "Filtres" button. Served from /assets. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  ti_tiroir: {
    toggle: function () {
      const trig = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || '';
      const open = trig.indexOf('ouvrir-filtres') === 0;
      window.setTimeout(function () {
        const target = open ? document.getElementById('fermer-filtres') : document.getElementById('ouvrir-filtres');
        if (target) { target.focus(); }
      }, 50);
      return [open ? 'tiroir ouvert' : 'tiroir', open ? 'true' : 'false'];
    }
  }
});
