// Suggestions as you type: a list under the search box (the ARIA combobox pattern). Each
// suggestion opens its product; the arrow keys move through the list, Enter opens, Escape closes.
// The search works without this script: the form submits as it is.
(function () {
  var input = document.querySelector('input[data-suggest]');
  if (!input || !window.fetch) return;
  var list = document.getElementById(input.getAttribute('aria-controls'));
  var timer = null;
  var last = '';
  var active = -1;

  function options() { return list.querySelectorAll('[role=option]'); }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function show(products) {
    list.textContent = '';
    products.forEach(function (p, i) {
      var item = document.createElement('li');
      item.setAttribute('role', 'option');
      item.id = 'suggestion-' + i;
      var link = document.createElement('a');
      link.href = '/products/' + encodeURIComponent(p.code);
      link.tabIndex = -1;
      link.textContent = p.name;
      if (p.county) {
        var where = document.createElement('span');
        where.className = 'where';
        where.textContent = p.county;
        link.appendChild(where);
      }
      item.appendChild(link);
      list.appendChild(item);
    });
    if (products.length === 0) { close(); return; }
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    active = -1;
  }

  function highlight(i) {
    var all = options();
    if (all.length === 0) return;
    active = (i + all.length) % all.length;
    all.forEach(function (o, j) { o.setAttribute('aria-selected', j === active ? 'true' : 'false'); });
    input.setAttribute('aria-activedescendant', all[active].id);
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (q.length === 0) { close(); return; }
      fetch(input.getAttribute('data-suggest') + '?q=' + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : { products: [] }; })
        .then(function (body) { if (input.value.trim() === q) show(body.products || []); })
        .catch(function () {});
    }, 150);
  });

  input.addEventListener('keydown', function (e) {
    if (list.hidden) return;
    if (e.key === 'ArrowDown') { highlight(active + 1); e.preventDefault(); }
    else if (e.key === 'ArrowUp') { highlight(active - 1); e.preventDefault(); }
    else if (e.key === 'Escape') { close(); }
    else if (e.key === 'Enter' && active >= 0) {
      e.preventDefault();
      window.location.href = options()[active].querySelector('a').href;
    }
  });

  input.addEventListener('blur', function () { setTimeout(close, 200); });
})();
