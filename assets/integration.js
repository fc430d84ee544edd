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
