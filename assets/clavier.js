/* Keyboard access (RGAA): the tabs of dash-bootstrap-components come with
   tabindex="-1" on every tab and duplicate ids; they are made reachable and
   given unique ids that their panels point to. Dash 4's dropdowns reach
   their button through a focusable input marked aria-hidden: the button
   itself becomes the Tab stop, the hidden input leaves the Tab order. And when a link of the ranking
   or of the fiche replaces the content that had the focus, the focus goes to
   the heading of the fiche instead of the top of the page. Tabs say which is
   selected (aria-selected); the fiche's sortable column headers are buttons;
   the fiche, once opened from the search or the map, gets the focus. Served
   from /assets. */
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
      var selected = tab.classList.contains('active') ? 'true' : 'false';
      if (tab.getAttribute('aria-selected') !== selected) { tab.setAttribute('aria-selected', selected); }
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
    // an option whose input is disabled says so to screen readers (Dash 4 only disables the input)
    document.querySelectorAll('.dash-dropdown-option').forEach(function (o) {
      var input = o.querySelector('input');
      var want = input && input.disabled ? 'true' : null;
      if (o.getAttribute('aria-disabled') !== want) {
        if (want) { o.setAttribute('aria-disabled', want); } else { o.removeAttribute('aria-disabled'); }
      }
    });
    document.querySelectorAll('.dash-dropdown-focus-target').forEach(function (input) {
      var button = input.nextElementSibling;
      if (!button || !button.classList.contains('dash-dropdown')) { return; }
      if (input.getAttribute('tabindex') !== '-1') { input.setAttribute('tabindex', '-1'); }
      var want = button.disabled ? '-1' : '0';
      if (button.getAttribute('tabindex') !== want) { button.setAttribute('tabindex', want); }
    });
  }

  /* Sortable column headers of the fiche's list of laureates (DataTable draws them as
     <span>s): buttons reachable with Tab, activated with Enter or Space, named; the
     column's <th> says how it is sorted (aria-sort). */
  function fixSortHeaders() {
    document.querySelectorAll('.dash-spreadsheet .column-header--sort').forEach(function (span) {
      var th = span.closest('th');
      var name = th ? (th.querySelector('.column-header-name') || th).textContent.trim() : '';
      var icon = span.querySelector('svg');
      var how = icon ? icon.getAttribute('data-icon') : 'sort';
      var state = how === 'sort-up' ? 'ascending' : how === 'sort-down' ? 'descending' : 'none';
      var label = 'Trier par ' + name + (state === 'ascending' ? ' (croissant ; activer pour décroissant)'
                  : state === 'descending' ? ' (décroissant ; activer pour retirer le tri)' : '');
      if (span.getAttribute('role') !== 'button') { span.setAttribute('role', 'button'); }
      if (span.getAttribute('tabindex') !== '0') { span.setAttribute('tabindex', '0'); }
      if (span.getAttribute('aria-label') !== label) { span.setAttribute('aria-label', label); }
      if (th && th.getAttribute('aria-sort') !== state) { th.setAttribute('aria-sort', state); }
    });
  }

  /* DataTable takes Tab for its cell navigation (preventDefault) even when no cell can be selected: the
     focus would be stuck on a header. Tab and Shift+Tab leave the header as anywhere else. */
  window.addEventListener('keydown', function (e) {
    if (e.key === 'Tab' && e.target && e.target.closest && e.target.closest('.column-header--sort[role=button]')) {
      e.stopPropagation();
    }
  }, true);

  document.addEventListener('keydown', function (e) {
    var span = e.target && e.target.closest ? e.target.closest('.column-header--sort[role=button]') : null;
    if (!span || (e.key !== 'Enter' && e.key !== ' ')) { return; }
    e.preventDefault();
    var th = span.closest('th'), table = span.closest('.dash-spreadsheet');
    var column = th ? th.getAttribute('data-dash-column') : null;
    span.click();
    window.setTimeout(function () {  // the header may be drawn again: the focus goes to the same column's button
      var again = column && table ? table.querySelector('th[data-dash-column="' + column + '"] .column-header--sort')
                                  : null;
      if (again && document.activeElement !== again) { again.setAttribute('tabindex', '0'); again.focus(); }
    }, 60);
  });

  /* After a search result is chosen or a territory clicked on the map, the fiche opens
     below the map: the focus and the view move to its heading. Closing the fiche gives
     the focus back to the search box. */
  var reveal = 0, revealFrom = null, backToSearch = 0;
  function headingText() {
    var h = document.querySelector('#fiche h3');
    return h ? h.textContent : null;
  }
  function askReveal() { reveal = Date.now(); revealFrom = headingText(); }
  document.addEventListener('click', function (e) {
    var t = e.target;
    if (!t || !t.closest) { return; }
    if (t.closest('.dash-dropdown-content [role=option]') && searchOpen()) { askReveal(); }
    if (t.closest('#carte')) { askReveal(); }
    if (t.closest('#fiche .fermer-fiche')) { backToSearch = Date.now(); }
  }, true);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && searchOpen()) { askReveal(); }
    if (e.key === 'Enter' && e.target && e.target.closest && e.target.closest('#fiche .fermer-fiche')) {
      backToSearch = Date.now();
    }
  }, true);
  function searchOpen() {
    var s = document.getElementById('recherche');
    return s && s.getAttribute('aria-expanded') === 'true';
  }
  function revealFiche() {
    if (reveal && Date.now() - reveal < 10000) {
      var text = headingText();
      if (text && text !== revealFrom) {
        var h = document.querySelector('#fiche h3');
        if (h.getClientRects().length === 0) { return; }
        reveal = 0;
        h.setAttribute('tabindex', '-1');
        h.focus({preventScroll: true});
        h.scrollIntoView({block: 'start'});
      }
    }
    if (backToSearch && Date.now() - backToSearch < 10000 && !headingText()) {
      backToSearch = 0;
      var s = document.getElementById('recherche');
      if (s) { s.focus({preventScroll: true}); s.scrollIntoView({block: 'center'}); }
    }
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
    window.requestAnimationFrame(function () {
      scheduled = false; fixTabs(); fixDropdowns(); fixSortHeaders(); restoreFocus(); revealFiche();
    });
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                        attributeFilter: ['tabindex', 'disabled', 'class']});
})();
