/* The page's own requests to the server (layout, callbacks) survive an instance that stops:
   nginx replays a GET on the other instance but never a POST (a Dash callback), and a body cut
   short (instance killed while answering) arrives with status 200. So Dash's requests are tried
   again here when the network fails, the body arrives incomplete, or the answer is 502, 503 or
   504; the callbacks of this page have no side effect, sending one again is safe. After the last
   try a French message says so (role="alert"); the next success removes it.
   Served from /assets (script-src 'self'); no inline script. */
(function () {
  'use strict';
  var DELAYS_MS = [250, 1000, 2500];  // wait before each new try (4 tries in all)
  var RETRY_STATUS = [502, 503, 504];
  var NULL_BODY_STATUS = [101, 204, 205, 304];
  var DASH_REQUEST = /\/_dash-(update-component|layout|dependencies)(\?|$)/;
  var ALERT_ID = 'reprise-alerte';
  var MESSAGE = 'Le serveur ne répond pas : la carte n’a pas pu être mise à jour. ' +
                'Réessayez dans un instant ou rechargez la page.';
  var nativeFetch = window.fetch.bind(window);

  function showFailure() {
    if (document.getElementById(ALERT_ID)) return;
    var box = document.createElement('div');
    box.id = ALERT_ID;
    box.className = 'reprise-alerte';
    box.setAttribute('role', 'alert');
    box.textContent = MESSAGE;
    document.body.appendChild(box);
  }

  function clearFailure() {
    var box = document.getElementById(ALERT_ID);
    if (box) box.remove();
  }

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  async function once(input, init) {
    var resp = await nativeFetch(input instanceof Request ? input.clone() : input, init);
    if (RETRY_STATUS.indexOf(resp.status) >= 0) return {retry: true, resp: resp};
    // read it all now: a body cut short rejects here, not later inside Dash
    var body = NULL_BODY_STATUS.indexOf(resp.status) >= 0 ? null : await resp.arrayBuffer();
    return {retry: false, resp: new Response(body, {status: resp.status, statusText: resp.statusText,
                                                    headers: resp.headers})};
  }

  window.fetch = async function (input, init) {
    var url = typeof input === 'string' ? input : (input && input.url) || String(input);
    if (!DASH_REQUEST.test(url)) return nativeFetch(input, init);
    for (var attempt = 0; ; attempt++) {
      var last;
      try {
        last = await once(input, init);
        if (!last.retry) {
          clearFailure();
          return last.resp;
        }
      } catch (err) {
        last = {error: err};
      }
      if (attempt >= DELAYS_MS.length) {
        showFailure();
        if (last.error) throw last.error;
        return last.resp;
      }
      await wait(DELAYS_MS[attempt]);
    }
  };
})();
