/* Keyboard access (RGAA): the tabs of dash-bootstrap-components come with
   tabindex="-1" on every tab and duplicate ids; they are made reachable and
   given unique ids that their panels point to. Dash 4's dropdowns reach
   their button through a focusable input marked aria-hidden: the button
   itself becomes the Tab stop, the hidden input leaves the Tab order. And when a link of the ranking
   or of the fiche replaces the content that had the focus, the focus goes to
   the heading of the fiche instead of the top of the page. Served from /assets. */
(function () {
  var pendingFocus = 0, clicked = null;

  function fixTabs() {
    var tablist = document.querySelector('#onglets');
    if (!tablist) { return; }
    var tabs = tablist.querySelectorAll('[role=tab]');
    var panes = document.querySelectorAll('#onglets ~ .tab-content > [role=tabpanel], #onglets + .tab-content > [role=tabpanel]');
    tabs.forEach(function (tab, i) {
      if (tab.getAttribute('tabindex') !== '0') { tab.setAttribute('tabindex', '0'); }
      var id = 'onglet-' + i, pane = 'panneau-onglet-' + i;
      if (tab.id !== id) { tab.id = id; }
      if (tab.getAttribute('aria-controls') !== pane) { tab.setAttribute('aria-controls', pane); }
    });
    panes.forEach(function (p) {
      var active = Array.prototype.indexOf.call(tabs, tablist.querySelector('[role=tab].active'));
      var i = Array.prototype.indexOf.call(p.parentNode.children, p);
      if (i < 0) { i = active; }
      if (p.id !== 'panneau-onglet-' + i) { p.id = 'panneau-onglet-' + i; }
      if (p.getAttribute('aria-labelledby') !== 'onglet-' + i) { p.setAttribute('aria-labelledby', 'onglet-' + i); }
    });
  }

  function fixDropdowns() {
    document.querySelectorAll('.dash-dropdown-focus-target').forEach(function (input) {
      var button = input.nextElementSibling;
      if (!button || !button.classList.contains('dash-dropdown')) { return; }
      if (input.getAttribute('tabindex') !== '-1') { input.setAttribute('tabindex', '-1'); }
      var want = button.disabled ? '-1' : '0';
      if (button.getAttribute('tabindex') !== want) { button.setAttribute('tabindex', want); }
    });
  }

  function restoreFocus() {
    if (!pendingFocus || Date.now() - pendingFocus > 10000) { return; }
    var el = document.activeElement;
    var lost = !el || el === document.body || !el.isConnected || el.getClientRects().length === 0 || el === clicked;
    if (!lost) { return; }
    var target = document.querySelector('#fiche h3, #fiche h2');
    if (!target || target.getClientRects().length === 0) { return; }
    target.setAttribute('tabindex', '-1');
    target.focus();  // pendingFocus stays for a while: a second rendering of the fiche gets the focus too
  }

  document.addEventListener('click', function (e) {
    var a = e.target && e.target.closest ? e.target.closest('#classement a, #fiche a') : null;
    if (a) { pendingFocus = Date.now(); clicked = a; }
  }, true);

  var scheduled = false;
  new MutationObserver(function () {
    if (scheduled) { return; }
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; fixTabs(); fixDropdowns(); restoreFocus(); });
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                        attributeFilter: ['tabindex', 'disabled']});
})();
