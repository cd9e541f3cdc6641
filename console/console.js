/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mod_occi's web console. The module sends the same small page for every
 * path of the API when a browser asks for HTML; this script reads the
 * path and shows what is there, through the JSON API, as any client:
 *
 *   <mount>/                 every resource, grouped by kind
 *   <mount>/compute/         a collection, and a creation form (#new)
 *   <mount>/compute/<uuid>   one entity: attributes, mixins, links,
 *                            the actions it accepts now, deletion; for
 *                            a compute, its screen and charts of its
 *                            usage over the last hour
 *   <mount>/-/               the model
 *
 * The page's Content-Security-Policy allows no inline script and no
 * markup from strings: everything shown is built with DOM calls, and
 * server data only ever becomes text nodes and attribute values.
 */
'use strict';

(function () {
  const INFRA = 'http://schemas.ogf.org/occi/infrastructure#';
  const CORE = 'http://schemas.ogf.org/occi/core#';
  const JSON_TYPE = 'application/occi+json';
  // Shown once on the next page, after an action that leaves this one.
  const NOTICE_KEY = 'occi-console-notice';
  // How often a page asks the server again for what it shows, while it
  // is visible: a state changed anywhere (an action, virsh, a guest that
  // powered itself off) shows within this and one request's time. See
  // docs/console.md for why this polls rather than holding a stream open.
  const LIVE_INTERVAL_MS = 1000;
  // Units of the attributes people read most.
  const UNITS = { 'occi.compute.memory': 'GiB', 'occi.storage.size': 'GiB',
    'occi.compute.speed': 'GHz' };

  const mount = document.querySelector('meta[name="occi-mount"]').content;
  const main = document.getElementById('main');
  let model = null;

  // ---- DOM --------------------------------------------------------------

  // el('a', {href: x, class: 'y'}, 'text', child...): strings become text
  // nodes; attributes whose value is null or false are left out.
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function show(...nodes) {
    main.replaceChildren(...nodes);
  }

  let idCounter = 0;
  function uniqueId(prefix) {
    idCounter += 1;
    return prefix + '-' + idCounter;
  }

  // ---- The API ------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, statusText, message) {
      super(message);
      this.status = status;
      this.statusText = statusText;
    }
  }

  // The absolute URL of a path on this server. Built from the origin, which
  // never holds a user name or password: a page opened as
  // https://user:pass@host/ resolves relative URLs to ones that carry them,
  // and fetch() refuses those. The browser still sends the credentials it
  // was given, as for any request of the page.
  function urlOf(path) {
    return new URL(path, location.origin).href;
  }

  // One request; resolves to the parsed JSON body (null when empty), or
  // rejects with an ApiError carrying the server's own message. accept:
  // what the body is asked in (the OCCI rendering unless said).
  async function api(method, path, body, accept) {
    const init = { method, credentials: 'same-origin', headers: { Accept: accept || JSON_TYPE } };
    if (body !== undefined) {
      init.headers['Content-Type'] = JSON_TYPE;
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(urlOf(path), init);
    } catch (e) {
      throw new ApiError(0, '', 'the server could not be reached (' + e.message + ')');
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (!response.ok) {
      const message = data && typeof data.message === 'string' ? data.message
        : text.trim() || response.statusText;
      throw new ApiError(response.status, response.statusText, message);
    }
    return data;
  }

  // An error box: the status, then the server's message exactly as sent.
  function errorBox(error) {
    const box = el('div', { class: 'error', role: 'alert', tabindex: '-1' });
    if (error instanceof ApiError) {
      box.append(el('strong', { class: 'error-status' },
        error.status ? 'Error ' + error.status + (error.statusText ? ' ' + error.statusText : '')
          : 'Network error'),
      el('p', { class: 'error-message' }, error.message));
    } else {
      box.append(el('strong', { class: 'error-status' }, 'Error in the console'),
        el('p', { class: 'error-message' }, String(error && error.message || error)));
    }
    return box;
  }

  // Puts an error box in container and the focus on it: it is read where
  // the eye and a screen reader are.
  function showError(container, error) {
    const box = errorBox(error);
    container.replaceChildren(box);
    box.focus({ preventScroll: false });
    return box;
  }

  // ---- The model ----------------------------------------------------------

  function typeId(category) {
    return category.scheme + category.term;
  }

  async function loadModel() {
    const data = await api('GET', mount + '/-/');
    const byId = new Map();
    for (const list of [data.kinds || [], data.mixins || [], data.actions || []]) {
      for (const category of list) byId.set(typeId(category), category);
    }
    return { kinds: data.kinds || [], mixins: data.mixins || [], actions: data.actions || [],
      byId };
  }

  // The kinds a person creates here, in this order, when the model has them.
  function creatableKinds() {
    return ['compute', 'storage', 'network']
      .map((term) => model.byId.get(INFRA + term)).filter((kind) => kind && kind.location);
  }

  // Every attribute of a kind, its ancestors' first (entity, resource, kind).
  function kindAttributes(kind) {
    const chain = [];
    for (let k = kind; k; k = k.parent ? model.byId.get(k.parent) : null) chain.unshift(k);
    const attributes = [];
    for (const k of chain) {
      for (const [name, definition] of Object.entries(k.attributes || {})) {
        attributes.push({ name, definition });
      }
    }
    return attributes;
  }

  function kindOf(entity) {
    return model.byId.get(entity.kind);
  }

  // An entity's path on this server. The JSON rendering gives none (GFD.226
  // has no such member, and rOCCI-core refuses one): its kind's location
  // and its id make it.
  function locationOf(entity) {
    const kind = entity && kindOf(entity);
    const id = String((entity && entity.id) || '').replace(/^urn:uuid:/, '');
    return kind && kind.location && id ? kind.location + id : null;
  }

  // A link end, an absolute URL: its path when it is on this server.
  function endLocation(end) {
    const where = end && typeof end === 'object' ? end.location : end;
    try {
      const url = new URL(where, location.href);
      if (url.origin === location.origin) return decodeURI(url.pathname);
    } catch (e) {
      // not a URL: shown as it is
    }
    return where;
  }

  // The pattern of an attribute definition: a JSON Schema object (GFD.226)
  // or, as the server writes it by default for rOCCI-core, a regular
  // expression, whose enumerations and whole numbers are read back here.
  function patternOf(definition) {
    const pattern = definition.pattern;
    if (pattern && typeof pattern === 'object') return pattern;
    if (typeof pattern !== 'string') return {};
    const alternatives = /^\^\(([^()]*)\)\$$/.exec(pattern);
    if (alternatives) {
      return { enum: alternatives[1].split('|').map((v) => v.replace(/\\(.)/g, '$1')) };
    }
    return pattern === '^[+-]?[0-9]+$' ? { type: 'integer' } : {};
  }

  function kindTerm(id) {
    return String(id || '').split('#').pop();
  }

  // People's words for the kinds they meet; the OCCI names stay as detail.
  const WORDS = {
    compute: ['virtual machine', 'Virtual machines'],
    storage: ['disk', 'Disks'],
    network: ['network', 'Networks'],
    networkinterface: ['network interface', 'Network interfaces'],
    storagelink: ['attached disk', 'Attached disks'],
  };

  // One of a kind ("virtual machine"), or many ("Virtual machines").
  function kindWord(kind, many) {
    const words = kind && WORDS[kind.term];
    if (words) return words[many ? 1 : 0];
    return kind ? titleOf(kind) : '';
  }

  function capitalized(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  // Labels and explanations where the model's own are OCCI's shorthand.
  const LABELS = { 'occi.compute.share': 'CPU share', 'occi.compute.memory': 'Memory (GiB)',
    'occi.storage.size': 'Size (GiB)', 'occi.compute.speed': 'Speed (GHz)' };
  const EXPLANATIONS = {
    'occi.compute.share': 'The weight of this machine\'s claim on the host\'s processors '
      + 'when machines compete for them: twice the share, twice the time.',
  };
  const TEMPLATE_HINTS = {
    os_tpl: 'The system the machine starts from.',
    resource_tpl: 'Sets the cores and memory left empty above; a value typed above wins.',
  };

  function titleOf(category, fallback) {
    return (category && category.title) || fallback || (category ? category.term : '');
  }

  function stateOf(entity) {
    const term = kindTerm(entity.kind);
    const attributes = entity.attributes || {};
    return attributes['occi.' + term + '.state'];
  }

  function stateBadge(state) {
    if (state === undefined || state === null) return el('span', { class: 'muted' }, '—');
    return el('span', { class: 'state state-' + String(state).replace(/[^a-z]/g, '') }, state);
  }

  function entityName(entity) {
    return entity.title || (entity.id || '').replace(/^urn:uuid:/, '');
  }

  // The page's path as the server writes locations: not percent-encoded.
  function currentPath() {
    try {
      return decodeURI(location.pathname);
    } catch (e) {
      return location.pathname;
    }
  }

  // Only a path on this server: "//host/..." or "/\\host" would leave it.
  function localHref(location) {
    return typeof location === 'string' && /^\/(?![\/\\])/.test(location) ? location : null;
  }

  // Words for an attribute name: occi.compute.cores -> Cores.
  function humanize(name) {
    const words = name.replace(/^occi\.(core\.)?/, '').split('.');
    const kindPrefix = ['compute', 'storage', 'network', 'networkinterface', 'storagelink',
      'credentials', 'ssh'];
    while (words.length > 1 && kindPrefix.includes(words[0])) words.shift();
    const text = words.join(' ').replace(/_/g, ' ')
      .replace(/\b(vlan|mac|id|cpu|ip)\b/g, (word) => word.toUpperCase());
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function formatValue(value, name) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'object') return JSON.stringify(value);
    return name && UNITS[name] ? value + ' ' + UNITS[name] : String(value);
  }

  // ---- Live pages ---------------------------------------------------------

  // One page watches at a time: refresh() asks the server again and draws
  // what changed. It is not called while the page is hidden or while a
  // request of the person's is under way (its answer is drawn instead).
  let watchTimer = null;
  let watchGeneration = 0;
  let personBusy = 0;

  // A refresh that draws the page again starts a new watch; the old one
  // then stops instead of scheduling itself.
  function watch(refresh) {
    if (watchTimer) clearTimeout(watchTimer);
    watchGeneration += 1;
    const generation = watchGeneration;
    const tick = async () => {
      if (!document.hidden && !personBusy) {
        try {
          await refresh();
        } catch (error) {
          // The next tick tries again; a lasting failure is shown by the
          // page's own handler.
        }
      }
      if (generation === watchGeneration) watchTimer = setTimeout(tick, LIVE_INTERVAL_MS);
    };
    watchTimer = setTimeout(tick, LIVE_INTERVAL_MS);
  }

  function unwatch() {
    if (watchTimer) clearTimeout(watchTimer);
    watchTimer = null;
    watchGeneration += 1;
  }

  // A request made by the person: the page's watch waits for it.
  async function personRequest(method, path, body) {
    personBusy += 1;
    try {
      return await api(method, path, body);
    } finally {
      personBusy -= 1;
    }
  }

  // Where the focus was, so that a page drawn again puts it back: the
  // element's id, or its action and the row it is in.
  function focusKey() {
    const active = document.activeElement;
    if (!active || active === document.body) return null;
    if (active.id) return { id: active.id };
    const row = active.closest('[data-location]');
    const action = active.closest('[data-action]');
    return row || action ? { row: row && row.dataset.location,
      action: action && action.dataset.action } : null;
  }

  function restoreFocus(key) {
    if (!key) return;
    let node = null;
    if (key.id) node = document.getElementById(key.id);
    else {
      const rowSelector = key.row ? `[data-location="${CSS.escape(key.row)}"] ` : '';
      const actionSelector = key.action ? `[data-action="${CSS.escape(key.action)}"]` : '';
      node = document.querySelector((rowSelector + actionSelector).trim() || 'none');
      // A row whose action changed (Start became Stop): its first control.
      if (!node && key.row) {
        node = document.querySelector(`[data-location="${CSS.escape(key.row)}"]`);
      }
      if (node && !node.matches('button, a, input, select')) {
        node = node.querySelector('.row-actions button, button, a, input, select');
      }
    }
    if (node) node.focus({ preventScroll: true });
  }

  // ---- Navigation and notices ---------------------------------------------

  // Who the server took the person for, and the tenant whose resources
  // they see when that is another name (a project).
  function renderWho() {
    const meta = (name) => {
      const node = document.querySelector(`meta[name="${name}"]`);
      return node ? node.content : '';
    };
    const user = meta('occi-user');
    const tenant = meta('occi-tenant');
    const who = document.getElementById('who');
    if (!who || !user) return;
    // The operator's sign-out address (OCCIConsoleSignOut): a whole page
    // load, so that the sign-on module ends the session and says where to go.
    // (replaceChildren writes an array or null as text: the parts are
    // flattened and the absent ones left out first.)
    const signOut = meta('occi-signout');
    const parts = ['Signed in as ', el('strong', null, user),
      tenant && tenant !== user ? [' · project ', el('strong', null, tenant)] : null,
      meta('occi-administrator') === 'yes' ? ' · administrator' : null,
      signOut ? [' · ', el('a', { href: signOut, id: 'sign-out' }, 'Sign out')] : null];
    who.replaceChildren(...parts.flat().filter((part) => part !== null));
  }

  function renderNav() {
    const nav = document.getElementById('nav');
    const links = [el('a', { href: mount + '/' }, 'All resources')];
    for (const kind of creatableKinds()) {
      links.push(el('a', { href: localHref(kind.location) }, kindWord(kind, true)));
    }
    links.push(el('a', { href: mount + '/-/' }, 'Model'));
    for (const link of links) {
      // link.href is resolved and encoded as location.pathname is.
      if (new URL(link.href).pathname === location.pathname) {
        link.setAttribute('aria-current', 'page');
      }
    }
    nav.replaceChildren(...links);
  }

  function leaveNotice(text) {
    try { sessionStorage.setItem(NOTICE_KEY, text); } catch (e) { /* private mode */ }
  }

  function takeNotice() {
    try {
      const text = sessionStorage.getItem(NOTICE_KEY);
      sessionStorage.removeItem(NOTICE_KEY);
      return text;
    } catch (e) {
      return null;
    }
  }

  function noticeBox(text) {
    return el('p', { class: 'notice', role: 'status' }, text);
  }

  // ---- Listings -----------------------------------------------------------

  function summaryOf(entity) {
    const a = entity.attributes || {};
    const parts = [];
    const cores = a['occi.compute.cores'];
    if (cores !== undefined) parts.push(cores + (cores === 1 ? ' core' : ' cores'));
    if (a['occi.compute.memory'] !== undefined) parts.push(a['occi.compute.memory'] + ' GiB');
    if (a['occi.storage.size'] !== undefined) parts.push(a['occi.storage.size'] + ' GiB');
    if (a['occi.network.address'] !== undefined) parts.push(a['occi.network.address']);
    for (const mixin of entity.mixins || []) {
      const category = model.byId.get(mixin);
      if (category && (category.depends || []).some((d) => d === INFRA + 'os_tpl')) {
        parts.push(titleOf(category));
      }
    }
    return parts.join(', ');
  }

  // The actions a row offers, when the entity accepts them now: those
  // that need no choice from the person.
  const ROW_ACTIONS = ['start', 'stop', 'up', 'down'];

  // Buttons for the row's actions. list.status shows a refusal, and
  // list.refresh draws the list again once the action is done.
  function rowActions(entity, list) {
    const offered = (entity.actions || []).filter((id) => ROW_ACTIONS.includes(kindTerm(id)));
    return offered.map((id) => {
      const term = kindTerm(id);
      const button = el('button', { type: 'button', class: 'secondary small', 'data-action': term,
        'aria-label': humanize(term) + ' ' + entityName(entity) }, humanize(term));
      button.addEventListener('click', async () => {
        button.disabled = true;
        list.status.replaceChildren(el('p', { class: 'muted' },
          humanize(term) + ' ' + entityName(entity) + '…'));
        try {
          const changed = await personRequest('POST', locationOf(entity) + '?action='
            + encodeURIComponent(term), { action: id });
          list.status.replaceChildren(noticeBox(humanize(term) + ' ' + entityName(entity)
            + ': done; the state is now ' + (stateOf(changed) || 'unknown') + '.'));
        } catch (error) {
          await list.refresh().catch(() => {});
          showError(list.status, error);
          return;
        }
        await list.refresh().catch((error) => list.status.replaceChildren(errorBox(error)));
        // The keyboard stays on the row: its next action (Start became Stop).
        const row = document.querySelector(`tr[data-location="${CSS.escape(locationOf(entity))}"]`);
        const next = row && (row.querySelector('.row-actions button:not([disabled])')
          || row.querySelector('a'));
        if (next) next.focus({ preventScroll: true });
      });
      return button;
    });
  }

  // What the lists show: the search typed and the column sorted on, kept
  // while the page draws its lists again.
  const listView = { query: '', sort: null, descending: false };

  const SORT_KEYS = {
    title: (entity) => entityName(entity).toLowerCase(),
    state: (entity) => String(stateOf(entity) || ''),
  };

  function matchesSearch(entity) {
    const query = listView.query.trim().toLowerCase();
    if (!query) return true;
    return [entityName(entity), entity.id, stateOf(entity), summaryOf(entity)]
      .some((text) => String(text || '').toLowerCase().includes(query));
  }

  // The entities a list shows, searched and sorted as the person asked.
  function arranged(entities) {
    const shown = entities.filter(matchesSearch);
    const key = SORT_KEYS[listView.sort];
    if (key) {
      shown.sort((a, b) => key(a).localeCompare(key(b)) * (listView.descending ? -1 : 1));
    }
    return shown;
  }

  // A column's header that sorts the lists on it; a second press reverses.
  function sortHeader(label, sortKey, list) {
    const sorted = listView.sort === sortKey;
    const button = el('button', { type: 'button', class: 'sort', 'data-action': 'sort-' + sortKey },
      label, el('span', { 'aria-hidden': 'true' }, sorted ? (listView.descending ? ' ▼' : ' ▲') : ''));
    button.addEventListener('click', () => {
      listView.descending = sorted ? !listView.descending : false;
      listView.sort = sortKey;
      list.redraw();
    });
    return el('th', { scope: 'col', 'aria-sort': sorted
      ? (listView.descending ? 'descending' : 'ascending') : 'none' }, button);
  }

  // The search above a page's lists.
  function searchBox(list) {
    const input = el('input', { type: 'search', id: 'list-search', value: listView.query,
      placeholder: 'Title, state, identifier…', autocomplete: 'off', spellcheck: 'false' });
    input.addEventListener('input', () => {
      listView.query = input.value;
      list.redraw();
    });
    return el('div', { class: 'search' }, el('label', { for: 'list-search' }, 'Search'), input);
  }

  function entityTable(allEntities, caption, withKind, list) {
    const entities = arranged(allEntities);
    if (!entities.length) {
      return el('p', { class: 'muted no-match' }, 'Nothing here matches “' + listView.query.trim()
        + '”.');
    }
    const head = el('tr', null, sortHeader('Title', 'title', list),
      withKind ? el('th', { scope: 'col' }, 'Kind') : null,
      sortHeader('State', 'state', list), el('th', { scope: 'col' }, 'Details'),
      el('th', { scope: 'col' }, 'Actions'), el('th', { scope: 'col' }, 'Identifier'));
    const rows = entities.map((entity) => el('tr', { 'data-location': locationOf(entity) },
      el('td', null, el('a', { href: localHref(locationOf(entity)) }, entityName(entity))),
      withKind ? el('td', null, kindOf(entity) ? capitalized(kindWord(kindOf(entity)))
        : kindTerm(entity.kind)) : null,
      el('td', { class: 'state-cell' }, stateBadge(stateOf(entity))),
      el('td', null, summaryOf(entity)),
      el('td', { class: 'row-actions' }, rowActions(entity, list)),
      el('td', null, el('code', null, (entity.id || '').replace(/^urn:uuid:/, '')))));
    return el('table', { class: 'entities' }, el('caption', { class: 'visually-hidden' }, caption),
      el('thead', null, head), el('tbody', null, rows));
  }

  // The lists of a page, read from path: refresh() asks the server again
  // and draws when the answer changed; redraw() draws the last answer again
  // (a search, a sort). draw(data, list) gives the nodes of the lists.
  function pageList(path, notice, draw) {
    const status = el('div', { id: 'list-status', 'aria-live': 'polite' },
      notice ? noticeBox(notice) : null);
    const slot = el('div', { id: 'list' });
    let drawn = null;
    let last = null;
    const list = {
      status,
      slot,
      redraw: () => {
        const focus = focusKey();
        slot.replaceChildren(...draw(last, list));
        restoreFocus(focus);
        nameLinkEnds(slot);
      },
      refresh: async () => {
        const data = await api('GET', path);
        const text = JSON.stringify(data);
        if (text === drawn) return;
        drawn = text;
        last = data;
        list.redraw();
      },
    };
    return list;
  }

  async function showOverview(notice) {
    const list = pageList(mount + '/', notice, overviewSections);
    const { status, slot: listSlot } = list;
    await list.refresh();
    show(el('div', { class: 'section-head' }, el('h1', null, 'Resources'), searchBox(list)),
      status, listSlot);
    watch(list.refresh);
  }

  function overviewSections(data, list) {
    const resources = (data && data.resources) || [];
    const sections = [];
    const shown = new Set();
    for (const kind of creatableKinds()) {
      const members = resources.filter((r) => r.kind === typeId(kind));
      members.forEach((r) => shown.add(r));
      sections.push(el('section', { class: 'kind', 'aria-labelledby': 'h-' + kind.term },
        el('div', { class: 'section-head' },
          el('h2', { id: 'h-' + kind.term }, el('a', { href: localHref(kind.location) },
            kindWord(kind, true)), ' ', el('span', { class: 'occi-name' }, titleOf(kind))),
          el('a', { class: 'button', href: kind.location + '#new' }, 'New ' + kindWord(kind))),
        members.length ? entityTable(members, kindWord(kind, true), false, list)
          : el('p', { class: 'muted' }, 'No ' + kindWord(kind) + ' yet.')));
    }
    const others = resources.filter((r) => !shown.has(r));
    if (others.length) {
      sections.push(el('section', { class: 'kind' }, el('h2', null, 'Other resources'),
        entityTable(others, 'Other resources', true, list)));
    }
    const links = (data && data.links) || [];
    if (links.length) {
      const names = new Map(resources.map((r) => [locationOf(r), entityName(r)]));
      sections.push(el('section', { class: 'kind' }, el('h2', null, 'Links'),
        linkTable(links, names)));
    }
    return sections;
  }

  async function showCollection(path, notice) {
    const here = currentPath();
    const kind = model.kinds.find((k) => k.location === here);
    const mixin = kind ? null : model.mixins.find((m) => m.location === here);
    const creatable = kind && creatableKinds().includes(kind);
    const heading = kind ? kindWord(kind, true) : mixin ? titleOf(mixin) : here;
    const list = pageList(path, notice, (data, self) => {
      const resources = (data && data.resources) || [];
      const links = (data && data.links) || [];
      return [resources.length ? entityTable(resources, heading, !kind, self) : '',
        links.length ? linkTable(links) : '',
        !resources.length && !links.length
          ? el('p', { class: 'muted', id: 'empty' }, 'Nothing here yet.') : ''];
    });
    const { status, slot: listSlot } = list;
    await list.refresh();
    const formSlot = el('div', { id: 'create-slot' });
    show(el('div', { class: 'section-head' }, el('h1', null, heading), searchBox(list),
      creatable ? el('a', { class: 'button', href: '#new', id: 'new-link' }, 'New ' + kindWord(kind))
        : null), status, formSlot, listSlot);
    watch(list.refresh);
    if (creatable) {
      const sync = () => {
        if (location.hash === '#new' && !formSlot.firstChild) {
          createForm(kind).then((form) => {
            formSlot.replaceChildren(form);
            const first = form.querySelector('input, select');
            if (first) first.focus();
          }, (error) => formSlot.replaceChildren(errorBox(error)));
        } else if (location.hash !== '#new') {
          formSlot.replaceChildren();
        }
      };
      window.addEventListener('hashchange', sync);
      sync();
    }
  }

  // names: location -> what to call the resource there, where known.
  function linkTable(links, names) {
    const rows = links.map((link) => el('tr', { 'data-location': locationOf(link) },
      el('td', null, el('a', { href: localHref(locationOf(link)) },
        kindOf(link) ? capitalized(kindWord(kindOf(link))) : kindTerm(link.kind))),
      el('td', null, endCell(link.source, names)),
      el('td', null, endCell(link.target, names)),
      el('td', null, stateBadge(stateOf(link)))));
    return el('table', { class: 'entities links' },
      el('caption', { class: 'visually-hidden' }, 'Links'),
      el('thead', null, el('tr', null, el('th', { scope: 'col' }, 'Link'),
        el('th', { scope: 'col' }, 'Source'), el('th', { scope: 'col' }, 'Target'),
        el('th', { scope: 'col' }, 'State'))),
      el('tbody', null, rows));
  }

  // A link's end: its title where known; otherwise its path, which
  // nameLinkEnds() replaces with the title once read.
  function endCell(end, names) {
    const where = endLocation(end);
    const href = localHref(where);
    const known = names && names.get(where);
    const name = known || where || '';
    return href ? el('a', { href, 'data-end': known ? null : where }, name)
      : el('span', null, name);
  }

  // ---- Creation -----------------------------------------------------------

  // An input (or a select for an enumeration) for one attribute
  // definition, with the model's type, bounds, default and requirement.
  // The form does not stop on these constraints (novalidate): the server
  // checks every value, and its message is what the person reads.
  function attributeField(name, definition, options) {
    const id = uniqueId('f');
    const hintId = id + '-hint';
    const pattern = patternOf(definition);
    const required = !!definition.required && !options.optional;
    let control;
    if (Array.isArray(pattern.enum)) {
      control = el('select', { id, name, 'aria-describedby': hintId },
        el('option', { value: '' }, definition.default !== undefined
          ? '(default: ' + formatValue(definition.default) + ')' : '(none)'),
        pattern.enum.map((value) => el('option', { value }, value)));
    } else if (definition.type === 'number') {
      control = el('input', { id, name, type: 'number', inputmode: 'decimal',
        step: pattern.type === 'integer' ? '1' : 'any',
        min: pattern.minimum, max: pattern.maximum,
        placeholder: definition.default !== undefined ? formatValue(definition.default) : null,
        'aria-describedby': hintId });
    } else {
      control = el('input', { id, name, type: 'text', spellcheck: 'false',
        placeholder: definition.default !== undefined ? formatValue(definition.default) : null,
        'aria-describedby': hintId });
    }
    if (required) control.required = true;
    control.dataset.type = definition.type || 'string';
    return el('div', { class: 'field' },
      el('label', { for: id }, options.label || LABELS[name] || humanize(name), required
        ? el('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
      control,
      el('small', { id: hintId, class: 'hint' }, EXPLANATIONS[name] || definition.description || '',
        ' ', el('code', { class: 'occi-name' }, name)));
  }

  // The value a control holds, typed as its definition says; undefined
  // when left empty (the server then applies defaults and templates).
  function fieldValue(control) {
    const raw = control.value.trim();
    if (raw === '') return undefined;
    if (control.dataset.type === 'number') {
      const number = Number(raw);
      return Number.isNaN(number) ? raw : number;
    }
    return control.value;
  }

  function dependsOn(mixin, baseId) {
    return (mixin.depends || []).includes(baseId);
  }

  function appliesTo(mixin, kind) {
    return !mixin.applies || mixin.applies.includes(typeId(kind));
  }

  async function createForm(kind) {
    const form = el('form', { class: 'create', novalidate: true, 'aria-labelledby': 'create-h' });
    const status = el('div', { class: 'form-status', 'aria-live': 'polite' });
    form.append(el('h2', { id: 'create-h' }, 'New ' + kindWord(kind)));

    // The kind's own attributes, and its ancestors', that a client sets.
    const own = el('fieldset', null, el('legend', null, capitalized(kindWord(kind))));
    for (const { name, definition } of kindAttributes(kind)) {
      if (!definition.mutable) continue;
      own.append(attributeField(name, definition, { optional: false }));
    }
    form.append(own);

    // Templates: a choice among the mixins that depend on a template
    // mixin (os_tpl, resource_tpl) applying to this kind.
    const templateBases = [INFRA + 'os_tpl', INFRA + 'resource_tpl']
      .map((id) => model.byId.get(id)).filter((base) => base && appliesTo(base, kind));
    const templateSelects = [];
    if (templateBases.length) {
      const fieldset = el('fieldset', null, el('legend', null, 'Templates'));
      for (const base of templateBases) {
        const choices = model.mixins
          .filter((m) => dependsOn(m, typeId(base)) && appliesTo(m, kind));
        if (!choices.length) continue;
        const id = uniqueId('t');
        const select = el('select', { id, name: typeId(base) },
          el('option', { value: '' }, '(none)'),
          choices.map((m) => el('option', { value: typeId(m) }, titleOf(m))));
        templateSelects.push(select);
        fieldset.append(el('div', { class: 'field' }, el('label', { for: id }, titleOf(base)),
          select, el('small', { class: 'hint' }, TEMPLATE_HINTS[base.term] || '')));
      }
      if (templateSelects.length) form.append(fieldset);
    }

    // Other mixins with attributes of their own (an SSH key, an IP
    // range): each one is added when its box is ticked.
    const templateIds = new Set(templateBases.map(typeId));
    const optional = [];
    for (const mixin of model.mixins) {
      if (!appliesTo(mixin, kind) || !mixin.applies || templateIds.has(typeId(mixin))
          || (mixin.depends || []).some((d) => templateIds.has(d))
          || !Object.keys(mixin.attributes || {}).length) continue;
      const boxId = uniqueId('m');
      const box = el('input', { type: 'checkbox', id: boxId, value: typeId(mixin) });
      const fields = el('div', { class: 'mixin-fields', hidden: true });
      for (const [name, definition] of Object.entries(mixin.attributes)) {
        fields.append(attributeField(name, definition, { optional: false }));
      }
      box.addEventListener('change', () => { fields.hidden = !box.checked; });
      optional.push({ box, fields });
      form.append(el('fieldset', { class: 'mixin' },
        el('legend', null, el('label', { for: boxId }, box, ' Add ' + titleOf(mixin))),
        fields));
    }

    // A compute may join a network and have a disk attached: inline
    // networkinterface and storagelink links, each chosen in a list of
    // what the person has.
    const linkChoice = async (endTerm, linkTerm, idPrefix, legend, label, hints, optionText) => {
      const endKind = model.byId.get(INFRA + endTerm);
      const linkKind = model.byId.get(INFRA + linkTerm);
      if (typeId(kind) !== INFRA + 'compute' || !endKind || !linkKind) return null;
      let ends = [];
      try {
        const data = await api('GET', endKind.location);
        ends = (data && data.resources) || [];
      } catch (e) {
        ends = [];
      }
      const id = uniqueId(idPrefix);
      const select = el('select', { id, name: endTerm },
        el('option', { value: '' }, '(none)'),
        ends.map((end) => el('option', { value: locationOf(end) }, optionText(end))));
      form.append(el('fieldset', null, el('legend', null, legend),
        el('div', { class: 'field' }, el('label', { for: id }, label), select,
          el('small', { class: 'hint' }, ends.length ? hints[0] : hints[1]))));
      return { select, kind: linkKind };
    };
    const networkChoice = await linkChoice('network', 'networkinterface', 'n', 'Network',
      'Attach to network', ['Adds a network interface',
        'No network yet: create one first to attach it here'], entityName);
    const storageChoice = await linkChoice('storage', 'storagelink', 's', 'Disk', 'Attach a disk',
      ['Adds a disk besides the system\'s', 'No disk yet: create one first to attach it here'],
      (disk) => entityName(disk) + (disk.attributes && disk.attributes['occi.storage.size']
        !== undefined ? ' (' + disk.attributes['occi.storage.size'] + ' GiB)' : ''));

    const submit = el('button', { type: 'submit', class: 'primary' }, 'Create ' + kindWord(kind));
    form.append(status, el('div', { class: 'form-actions' }, submit,
      el('a', { href: '#', class: 'button secondary', id: 'cancel-create' }, 'Cancel')));

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { kind: typeId(kind), mixins: [], attributes: {} };
      for (const control of own.querySelectorAll('input, select')) {
        const value = fieldValue(control);
        if (value === undefined) continue;
        if (control.name === 'occi.core.title') body.title = value;
        else if (control.name === 'occi.core.summary') body.summary = value;
        else body.attributes[control.name] = value;
      }
      for (const select of templateSelects) {
        if (select.value) body.mixins.push(select.value);
      }
      for (const { box, fields } of optional) {
        if (!box.checked) continue;
        body.mixins.push(box.value);
        for (const control of fields.querySelectorAll('input, select')) {
          const value = fieldValue(control);
          if (value !== undefined) body.attributes[control.name] = value;
        }
      }
      body.links = [];
      if (networkChoice && networkChoice.select.value) {
        body.links.push({ kind: typeId(networkChoice.kind), target: networkChoice.select.value });
      }
      if (storageChoice && storageChoice.select.value) {
        // The system's own disk, when the OS template brings one, is vda.
        body.links.push({ kind: typeId(storageChoice.kind), target: storageChoice.select.value,
          attributes: { 'occi.storagelink.deviceid': '/dev/vdb' } });
      }
      if (!body.links.length) delete body.links;
      if (!body.mixins.length) delete body.mixins;
      submit.disabled = true;
      status.replaceChildren(el('p', { class: 'muted' }, 'Creating…'));
      try {
        const created = await personRequest('POST', kind.location, body);
        leaveNotice('Created ' + kindWord(kind) + ' ' + entityName(created) + '.');
        location.assign(locationOf(created));
      } catch (error) {
        status.replaceChildren(errorBox(error));
        status.querySelector('[role="alert"]').focus();
        submit.disabled = false;
      }
    });
    return form;
  }

  // ---- One entity ---------------------------------------------------------

  function definitionOf(entity, name) {
    for (const id of [entity.kind, ...(entity.mixins || [])]) {
      let category = model.byId.get(id);
      while (category) {
        if (category.attributes && category.attributes[name]) return category.attributes[name];
        category = category.parent ? model.byId.get(category.parent) : null;
      }
    }
    return null;
  }

  function attributeRows(entity) {
    const rows = [];
    const add = (name, value) => {
      const definition = definitionOf(entity, name);
      rows.push(el('tr', null,
        el('th', { scope: 'row' }, humanize(name), el('br'), el('code', null, name)),
        el('td', null, formatValue(value, name)),
        el('td', { class: 'muted' }, definition && definition.description || '')));
    };
    if (entity.title !== undefined) add('occi.core.title', entity.title);
    if (entity.summary !== undefined) add('occi.core.summary', entity.summary);
    add('occi.core.id', entity.id);
    if (entity.source) add('occi.core.source', endLocation(entity.source));
    if (entity.target) add('occi.core.target', endLocation(entity.target));
    for (const name of Object.keys(entity.attributes || {}).sort()) {
      add(name, entity.attributes[name]);
    }
    return rows;
  }

  // While an action runs, no other can be started from this page.
  function setBusy(busy) {
    for (const button of document.querySelectorAll('form.action button, #delete')) {
      button.disabled = busy;
    }
  }

  // A form per action the entity accepts now, with its parameters.
  function actionForms(entity, rerender) {
    const forms = [];
    for (const id of entity.actions || []) {
      const action = model.byId.get(id);
      const term = kindTerm(id);
      const form = el('form', { class: 'action', 'data-action': term, novalidate: true });
      for (const [name, definition] of Object.entries((action && action.attributes) || {})) {
        form.append(attributeField(name, definition,
          { optional: true, label: humanize(term) + ' ' + name }));
      }
      const button = el('button', { type: 'submit', title: action ? titleOf(action) : id },
        humanize(term));
      form.append(button);
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const body = { action: id };
        const attributes = {};
        for (const control of form.querySelectorAll('input, select')) {
          const value = fieldValue(control);
          if (value !== undefined) attributes[control.name] = value;
        }
        if (Object.keys(attributes).length) body.attributes = attributes;
        setBusy(true);
        rerender.status(el('p', { class: 'muted' }, humanize(term) + '…'));
        try {
          const changed = await personRequest('POST', locationOf(entity) + '?action='
            + encodeURIComponent(term), body);
          rerender.entity(changed, humanize(term) + ': done; the state is now '
            + (stateOf(changed) || 'unknown') + '.');
        } catch (error) {
          setBusy(false);
          rerender.error(error);
        }
      });
      forms.push(form);
    }
    return forms;
  }

  // The screen's section: the one already on the page while the screen is
  // open and the machine still runs (a page drawn again keeps it going),
  // else a new one.
  function keepScreen(entity) {
    const current = document.getElementById('screen');
    if (openScreen && current && stateOf(entity) === 'active') {
      return current.closest('section');
    }
    closeScreen();
    return screenSection(entity);
  }

  // Whether the person has typed or chosen something in an action's form
  // that drawing the page again would lose.
  function actionFormsEdited() {
    return [...document.querySelectorAll('form.action input, form.action select')]
      .some((control) => control.value !== '');
  }

  // keep: the status box's nodes to keep (a page drawn again by its watch).
  function renderEntity(entity, notice, keep) {
    const kind = kindOf(entity);
    const status = el('div', { id: 'entity-status', 'aria-live': 'polite' },
      notice ? noticeBox(notice) : null, keep || null);
    const rerender = {
      // After an action the keyboard goes to the first action the machine
      // now accepts (Stop after Start), or to Delete.
      entity: (changed, text) => {
        renderEntity(changed, text);
        const next = document.querySelector('form.action button, #delete');
        if (next) next.focus({ preventScroll: true });
      },
      status: (node) => status.replaceChildren(node),
      error: (error) => showError(status, error),
    };
    const state = stateOf(entity);
    const backHref = kind && kind.location;
    const header = el('div', { class: 'section-head' },
      el('h1', null, entityName(entity), ' ', el('span', { id: 'entity-state' },
        state !== undefined ? stateBadge(state) : null)));

    const mixins = (entity.mixins || []).map((id) => {
      const category = model.byId.get(id);
      return el('li', null, titleOf(category, kindTerm(id)), ' ', el('code', null, id));
    });
    const facts = el('dl', { class: 'facts' },
      el('dt', null, 'Kind'), el('dd', null,
        backHref ? el('a', { href: backHref }, capitalized(kindWord(kind))) : kindTerm(entity.kind),
        ' ', el('code', { class: 'occi-name' }, entity.kind)),
      el('dt', null, 'Location'), el('dd', null, el('code', null, locationOf(entity))));

    const actions = actionForms(entity, rerender);
    const deleteButton = el('button', { type: 'button', class: 'danger', id: 'delete' }, 'Delete');
    deleteButton.addEventListener('click', async () => {
      if (!window.confirm('Delete ' + entityName(entity) + '? This cannot be undone.')) return;
      deleteButton.disabled = true;
      status.replaceChildren(el('p', { class: 'muted' }, 'Deleting…'));
      try {
        await personRequest('DELETE', locationOf(entity));
        unwatch();
        closeUsage();
        leaveNotice('Deleted ' + (kind ? kindWord(kind) + ' ' : '') + entityName(entity) + '.');
        location.assign(backHref || mount + '/');
      } catch (error) {
        deleteButton.disabled = false;
        showError(status, error);
      }
    });

    const links = entity.links || [];
    show(header, status, facts,
      el('section', { 'aria-labelledby': 'h-actions' }, el('h2', { id: 'h-actions' }, 'Actions'),
        el('div', { class: 'actions' }, actions.length ? actions
          : el('p', { class: 'muted' }, 'No action in this state.')),
        el('div', { class: 'actions' }, deleteButton)),
      keepScreen(entity),
      keepUsage(entity),
      el('section', { 'aria-labelledby': 'h-attributes' },
        el('h2', { id: 'h-attributes' }, 'Attributes'),
        el('table', { class: 'attributes' }, el('tbody', null, attributeRows(entity)))),
      el('section', { 'aria-labelledby': 'h-mixins' }, el('h2', { id: 'h-mixins' }, 'Mixins'),
        mixins.length ? el('ul', { class: 'mixins' }, mixins)
          : el('p', { class: 'muted' }, 'None.')),
      // A resource's links (the member is left out when there are none);
      // a link has a source instead.
      !entity.source ? el('section', { 'aria-labelledby': 'h-links' },
        el('h2', { id: 'h-links' }, 'Links'),
        links.length ? linkTable(links, new Map([[locationOf(entity), entityName(entity)]]))
          : el('p', { class: 'muted' }, 'None.')) : null);
    document.title = entityName(entity) + ' — OCCI console';
    nameLinkEnds(main);
    const path = locationOf(entity);
    const drawn = JSON.stringify(entity);
    watch(async () => {
      // The usage charts ask when their interval has passed, beside this.
      tickUsage();
      let now;
      try {
        now = await api('GET', path);
      } catch (error) {
        // Deleted elsewhere: said once, and the watch stops.
        if (error instanceof ApiError && (error.status === 404 || error.status === 410)) {
          status.replaceChildren(errorBox(error));
          unwatch();
        }
        throw error;
      }
      if (JSON.stringify(now) === drawn) return;
      if (actionFormsEdited()) {
        // Only the state: the person's choices in a form stay as they are.
        document.getElementById('entity-state').replaceChildren(stateBadge(stateOf(now)));
        return;
      }
      const focus = focusKey();
      renderEntity(now, null, [...status.childNodes]);
      restoreFocus(focus);
    });
  }

  // ---- The screen --------------------------------------------------------

  // Where httpd serves noVNC (OCCIConsoleNoVNC), or '' when not.
  function noVncPath() {
    const node = document.querySelector('meta[name="occi-novnc"]');
    return node ? node.content : '';
  }

  // The open screen, if any: it is closed before the page is drawn again.
  let openScreen = null;

  function closeScreen() {
    if (openScreen) {
      const screen = openScreen;
      openScreen = null;
      try { screen.disconnect(); } catch (e) { /* already closed */ }
    }
  }

  // A compute's section "Screen": a button that opens a session on its
  // screen and shows it here with noVNC, over a WebSocket through httpd.
  function screenSection(entity) {
    const novnc = noVncPath();
    if (!novnc || typeId(kindOf(entity) || {}) !== INFRA + 'compute') return null;
    const running = stateOf(entity) === 'active';
    const status = el('p', { class: 'muted', id: 'screen-status', 'aria-live': 'polite' },
      running ? '' : 'The screen shows while the machine runs.');
    const view = el('div', { class: 'screen', id: 'screen', hidden: true });
    const button = el('button', { type: 'button', class: 'secondary', id: 'screen-open',
      disabled: !running }, 'Show the screen');
    button.addEventListener('click', async () => {
      closeScreen();
      button.disabled = true;
      status.replaceChildren('Connecting…');
      try {
        const id = String(entity.id).replace(/^urn:uuid:/, '');
        const session = await personRequest('POST', mount + '/-/screen/' + id);
        const { default: RFB } = await import(new URL(novnc + '/core/rfb.js', location.origin).href);
        view.hidden = false;
        view.replaceChildren();
        const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host
          + session.websocket;
        const rfb = new RFB(view, url, { credentials: { password: session.password } });
        rfb.scaleViewport = true;
        rfb.focusOnClick = true;
        openScreen = rfb;
        rfb.addEventListener('connect', () => {
          status.replaceChildren('Connected. Click the screen to type into the machine.');
          view.dataset.connected = 'true';
        });
        rfb.addEventListener('disconnect', (event) => {
          view.dataset.connected = 'false';
          if (openScreen === rfb) openScreen = null;
          status.replaceChildren(event.detail && event.detail.clean
            ? 'The screen was closed.' : 'The connection to the screen was lost.');
          button.disabled = false;
        });
        rfb.addEventListener('securityfailure', (event) => {
          status.replaceChildren(errorBox(new Error('the screen refused the session: '
            + ((event.detail && event.detail.reason) || 'no reason given'))));
        });
      } catch (error) {
        status.replaceChildren(errorBox(error));
        button.disabled = false;
      }
    });
    return el('section', { 'aria-labelledby': 'h-screen' }, el('h2', { id: 'h-screen' }, 'Screen'),
      el('div', { class: 'actions' }, button), status, view);
  }

  // ---- Usage -------------------------------------------------------------

  // A compute's section "Usage": small line charts of its last hour (CPU,
  // memory, disk, network), read from <mount>/-/usage/<uuid>, which the
  // server fills from libvirt's statistics of the domain every
  // OCCIUsageInterval seconds. Chart.js comes from the module itself
  // (<mount>/-/chart.js, Debian's libjs-chart.js embedded at build time),
  // loaded the first time such a section is shown. The charts are made
  // once and then given new data, so that nothing jumps while they follow.
  const USAGE_WINDOW_S = 3600;
  // How often the charts ask until the server has said its interval.
  const USAGE_FIRST_INTERVAL_S = 10;
  // The time axis: a label every quarter of an hour, at local HH:MM.
  const USAGE_TICK_S = 900;

  function twoDigits(number) {
    return String(number).padStart(2, '0');
  }

  // Local HH:MM (HH:MM:SS with seconds) of a Unix time.
  function clockTime(seconds, withSeconds) {
    const date = new Date(seconds * 1000);
    return twoDigits(date.getHours()) + ':' + twoDigits(date.getMinutes())
      + (withSeconds ? ':' + twoDigits(date.getSeconds()) : '');
  }

  function roundedFigure(value) {
    return Math.abs(value) >= 10 || Number.isInteger(value) ? String(Math.round(value))
      : value.toFixed(1);
  }

  function formatPercent(value) {
    return roundedFigure(value) + ' %';
  }

  function formatMiB(value) {
    return value >= 10240 ? roundedFigure(value / 1024) + ' GiB' : Math.round(value) + ' MiB';
  }

  // The memory chart's scale: up to the compute's memory (or the highest
  // figure), in steps of a power of two MiB, so that the lines fall on
  // 512 MiB, 1024 MiB and so on.
  function memoryScale(points, memoryGiB) {
    let top = memoryGiB ? memoryGiB * 1024 : 0;
    for (const point of points) {
      if (typeof point.memory === 'number' && point.memory > top) top = point.memory;
    }
    if (!(top > 0)) return { max: undefined, stepSize: undefined };
    const stepSize = Math.max(1, 2 ** Math.ceil(Math.log2(top / 4)));
    return { max: Math.ceil(top / stepSize) * stepSize, stepSize };
  }

  // Bytes per second in B/s, KB/s, MB/s, GB/s (powers of 1000, as
  // transfer rates are given).
  function formatRate(value) {
    const units = ['B/s', 'KB/s', 'MB/s', 'GB/s', 'TB/s'];
    let scaled = value;
    let unit = 0;
    while (Math.abs(scaled) >= 1000 && unit < units.length - 1) {
      scaled /= 1000;
      unit += 1;
    }
    return (unit ? roundedFigure(scaled) : String(Math.round(scaled))) + ' ' + units[unit];
  }

  // The charts: the members of a point each one draws, and their words.
  const USAGE_CHARTS = [
    { name: 'cpu', title: 'CPU', unit: '%', format: formatPercent, max: 100,
      series: [{ field: 'cpu', label: 'CPU' }] },
    { name: 'memory', title: 'Memory', unit: 'MiB', format: formatMiB,
      // One unit along the scale: GiB on a large machine's.
      tick: (value, max) => (max >= 10240 ? roundedFigure(value / 1024) + ' GiB'
        : Math.round(value) + ' MiB'),
      series: [{ field: 'memory', label: 'used' }] },
    { name: 'disk', title: 'Disk', unit: 'read and write', format: formatRate,
      series: [{ field: 'disk_read', label: 'read' }, { field: 'disk_write', label: 'write' }] },
    { name: 'network', title: 'Network', unit: 'in and out', format: formatRate,
      series: [{ field: 'net_rx', label: 'in' }, { field: 'net_tx', label: 'out' }] },
  ];

  // Chart.js, loaded once, as a script of the module (the page's policy
  // allows scripts of its own origin only).
  let chartLibrary = null;
  function loadChartLibrary() {
    if (!chartLibrary) {
      chartLibrary = new Promise((resolve, reject) => {
        if (window.Chart) {
          resolve(window.Chart);
          return;
        }
        const script = el('script', { src: urlOf(mount + '/-/chart.js') });
        script.addEventListener('load', () => {
          if (!window.Chart) {
            reject(new Error(mount + '/-/chart.js did not define Chart'));
            return;
          }
          const style = getComputedStyle(document.body);
          window.Chart.defaults.font.family = style.fontFamily;
          window.Chart.defaults.font.size = 11;
          window.Chart.defaults.color = cssColour('--muted', '#5b6577');
          resolve(window.Chart);
        });
        script.addEventListener('error', () => {
          chartLibrary = null;
          script.remove();
          reject(new Error('the charts\' script ' + mount + '/-/chart.js could not be loaded'));
        });
        document.head.append(script);
      });
    }
    return chartLibrary;
  }

  // A colour of console.css (its custom properties), for what the canvas draws.
  function cssColour(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }

  // #rrggbb with an opacity, or null for any other notation.
  function withAlpha(colour, alpha) {
    const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
    if (!match) return null;
    const [r, g, b] = match.slice(1).map((hex) => parseInt(hex, 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }

  // One series of a chart: {x: time, y: value} per point, null where the
  // hypervisor gave no figure, and a null between two points further apart
  // than the interval allows (the machine was stopped): the line breaks.
  function seriesPoints(points, field, interval) {
    const data = [];
    let previous = null;
    for (const point of points) {
      const at = Number(point.at);
      if (previous !== null && at - previous > 2.5 * interval) {
        data.push({ x: (previous + at) / 2, y: null });
      }
      const value = point[field];
      data.push({ x: at, y: typeof value === 'number' && Number.isFinite(value) ? value : null });
      previous = at;
    }
    return data;
  }

  // The last figure of a series, and when it was taken; null when none.
  function latestOf(points, field) {
    for (let i = points.length - 1; i >= 0; i -= 1) {
      const value = points[i][field];
      if (typeof value === 'number' && Number.isFinite(value)) {
        return { value, at: Number(points[i].at) };
      }
    }
    return null;
  }

  // What a chart's latest figures say, in words: "now 12 %", "now read
  // 1.2 MB/s, write 0 B/s", "last 12 % at 14:05" once the machine has
  // stopped giving figures, or null when there are none.
  function latestWords(spec, points, interval, now) {
    const latest = spec.series.map((series) => latestOf(points, series.field));
    const known = latest.filter(Boolean);
    if (!known.length) return null;
    const at = Math.max(...known.map((figure) => figure.at));
    const figures = spec.series.map((series, i) => (spec.series.length > 1 ? series.label + ' ' : '')
      + (latest[i] ? spec.format(latest[i].value) : 'unknown')).join(', ');
    return now - at > 3 * interval ? 'last ' + figures + ' at ' + clockTime(at) : 'now ' + figures;
  }

  // The time axis's ticks: every quarter of an hour within the window.
  function quarterTicks(scale) {
    const ticks = [];
    for (let value = Math.ceil(scale.min / USAGE_TICK_S) * USAGE_TICK_S; value <= scale.max;
      value += USAGE_TICK_S) {
      ticks.push({ value });
    }
    scale.ticks = ticks;
  }

  // A dot where a line alone would show nothing: on a figure with no
  // neighbour (between two gaps), and on every figure of a series of a few,
  // as in a machine's first minutes, a few pixels at the end of the hour.
  function dotRadius(context) {
    const data = context.dataset.data;
    const i = context.dataIndex;
    const point = data[i];
    if (!point || point.y === null) return 0;
    if (data.length <= 20) return 2.5;
    const lonely = (neighbour) => !neighbour || neighbour.y === null;
    return lonely(data[i - 1]) && lonely(data[i + 1]) ? 2.5 : 0;
  }

  function makeChart(Chart, figure, datasets, span, scale) {
    const spec = figure.spec;
    const single = spec.series.length === 1;
    const colours = [cssColour('--chart-1', '#1f5fbf'), cssColour('--chart-2', '#c2410c')];
    const grid = cssColour('--line', '#d9dee7');
    return new Chart(figure.canvas, {
      type: 'line',
      data: {
        datasets: spec.series.map((series, i) => ({
          label: series.label,
          data: datasets[i],
          borderColor: colours[i],
          backgroundColor: single ? withAlpha(colours[i], 0.12) || 'transparent' : colours[i],
          fill: single ? 'origin' : false,
          borderWidth: 1.5,
          // The second line is dashed: told apart without its colour.
          borderDash: i ? [5, 3] : [],
          pointRadius: dotRadius,
          pointBackgroundColor: colours[i],
          pointBorderWidth: 0,
          pointHitRadius: 6,
          // The newest figure is at the right edge: its dot is drawn whole.
          clip: 4,
          tension: 0.2,
          spanGaps: false,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        normalized: true,
        layout: { padding: { right: 6 } },
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { display: !single, position: 'top', align: 'end',
            labels: { boxWidth: 18, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              title: (items) => (items.length ? clockTime(items[0].parsed.x, true) : ''),
              label: (item) => (single ? '' : item.dataset.label + ': ')
                + (item.parsed.y === null ? 'unknown' : spec.format(item.parsed.y)),
            },
          },
        },
        scales: {
          x: {
            type: 'linear',
            min: span.min,
            max: span.max,
            grid: { color: grid },
            afterBuildTicks: quarterTicks,
            ticks: { maxRotation: 0, autoSkip: true, includeBounds: false,
              callback: (value) => clockTime(value) },
          },
          y: {
            beginAtZero: true,
            max: scale.max,
            grid: { color: grid },
            ticks: { maxTicksLimit: 5, stepSize: scale.stepSize,
              callback(value) {
                return spec.tick ? spec.tick(value, this.max) : spec.format(value);
              } },
            // The same width in every chart, whatever its labels: the
            // charts' times line up and the plot does not move.
            afterFit: (axis) => { axis.width = 64; },
          },
        },
      },
    });
  }

  // The usage section shown, if any.
  let usage = null;

  // The section of the compute shown: the one already on the page, with
  // its charts, when the page is drawn again for the same compute; else a
  // new one. Only computes have one.
  function keepUsage(entity) {
    const id = String(entity.id || '').replace(/^urn:uuid:/, '');
    if (typeId(kindOf(entity) || {}) !== INFRA + 'compute' || !id) {
      closeUsage();
      return null;
    }
    if (usage && usage.id === id && usage.section.isConnected) {
      usage.memory = Number((entity.attributes || {})['occi.compute.memory']) || null;
      return usage.section;
    }
    closeUsage();
    usage = usageSection(entity, id);
    usage.refresh();
    return usage.section;
  }

  function closeUsage() {
    if (usage) {
      usage.destroyCharts();
      usage.closed = true;
      usage = null;
    }
  }

  // The watch of the page calls this every second while the page is
  // visible: the figures are asked for once the interval has passed.
  function tickUsage() {
    if (usage && !usage.closed && !usage.busy && !usage.done && Date.now() >= usage.due) {
      usage.refresh();
    }
  }

  function usageSection(entity, id) {
    const status = el('div', { class: 'usage-status', id: 'usage-status', 'aria-live': 'polite' },
      el('p', { class: 'muted' }, 'Loading the figures…'));
    const figures = USAGE_CHARTS.map((spec) => {
      const canvas = el('canvas', { role: 'img', 'aria-label': spec.title + ', last hour' });
      const now = el('p', { class: 'usage-now' });
      const figure = el('figure', { class: 'usage-chart', 'data-usage': spec.name },
        el('figcaption', null, spec.title, ' ', el('span', { class: 'muted' }, '(' + spec.unit + ')')),
        el('div', { class: 'usage-canvas' }, canvas), now);
      return { spec, figure, canvas, now, chart: null };
    });
    const grid = el('div', { class: 'usage-charts', hidden: true }, figures.map((f) => f.figure));
    const note = el('p', { class: 'muted usage-note', hidden: true });
    const section = el('section', { id: 'usage', 'aria-labelledby': 'h-usage', 'data-state': 'loading',
      'data-points': '0' }, el('h2', { id: 'h-usage' }, 'Usage'), status, grid, note);

    const view = {
      id,
      section,
      memory: Number((entity.attributes || {})['occi.compute.memory']) || null,
      interval: USAGE_FIRST_INTERVAL_S,
      due: 0,
      busy: false,
      // No more asking: the server records no usage, or has no such compute.
      done: false,
      closed: false,
      destroyCharts() {
        for (const figure of figures) {
          if (figure.chart) figure.chart.destroy();
          figure.chart = null;
        }
      },
      async refresh() {
        const started = Date.now();
        view.busy = true;
        try {
          const [data, Chart] = await Promise.all([
            api('GET', mount + '/-/usage/' + encodeURIComponent(id), undefined, 'application/json'),
            loadChartLibrary()]);
          if (view.closed) return;
          draw(data, Chart);
        } catch (error) {
          if (view.closed) return;
          if (error instanceof ApiError && error.status === 409) {
            // No hypervisor (OCCILibvirtURI none), or no sampling: nothing
            // to chart, ever.
            view.done = true;
            grid.hidden = true;
            note.hidden = true;
            view.destroyCharts();
            section.dataset.state = 'unrecorded';
            say('unrecorded', el('p', { class: 'muted', id: 'usage-unrecorded' },
              'Usage is not recorded on this server.'));
            return;
          }
          // Said once in the section, not in the focus' way; the charts
          // keep what they showed, and the next interval tries again
          // unless the compute is gone.
          if (error instanceof ApiError && (error.status === 404 || error.status === 410)) {
            view.done = true;
          }
          section.dataset.state = 'error';
          say('error ' + (error.status || '') + ' ' + error.message, errorBox(error));
        } finally {
          view.busy = false;
          // A little early, so that the watch's next second is the one.
          view.due = started + view.interval * 1000 - 500;
        }
      },
    };

    // The status line is read out when it changes: it is written again only
    // when what it says does.
    let said = null;
    function say(key, node) {
      if (key === said) return;
      said = key;
      if (node) status.replaceChildren(node);
      else status.replaceChildren();
    }

    function draw(data, Chart) {
      const interval = Number(data && data.interval);
      if (Number.isFinite(interval) && interval > 0) {
        view.interval = Math.min(Math.max(interval, 1), USAGE_WINDOW_S);
      }
      const points = (Array.isArray(data && data.points) ? data.points : [])
        .filter((point) => point && Number.isFinite(Number(point.at)))
        .sort((a, b) => a.at - b.at);
      section.dataset.points = String(points.length);
      if (!points.length) {
        grid.hidden = true;
        note.hidden = true;
        section.dataset.state = 'empty';
        say('empty ' + view.interval, el('p', { class: 'muted', id: 'usage-empty' },
          'No usage recorded yet: the first figures come within ' + 2 * view.interval
          + ' seconds of the machine running.'));
        return;
      }
      say('charts', null);
      grid.hidden = false;
      note.hidden = false;
      note.textContent = 'The last hour, a figure every ' + view.interval
        + (view.interval === 1 ? ' second' : ' seconds') + '; times are this computer\'s.';
      section.dataset.state = 'charts';
      const now = Math.max(Date.now() / 1000, Number(points[points.length - 1].at));
      const span = { min: now - USAGE_WINDOW_S, max: now };
      for (const figure of figures) {
        const { spec } = figure;
        const datasets = spec.series.map((series) => seriesPoints(points, series.field,
          view.interval));
        const scale = spec.name === 'memory' ? memoryScale(points, view.memory)
          : { max: spec.max, stepSize: undefined };
        if (!figure.chart) {
          figure.chart = makeChart(Chart, figure, datasets, span, scale);
        } else {
          const { chart } = figure;
          chart.data.datasets.forEach((dataset, i) => { dataset.data = datasets[i]; });
          chart.options.scales.x.min = span.min;
          chart.options.scales.x.max = span.max;
          chart.options.scales.y.max = scale.max;
          chart.options.scales.y.ticks.stepSize = scale.stepSize;
          chart.update('none');
        }
        const words = latestWords(spec, points, view.interval, now);
        figure.canvas.setAttribute('aria-label', spec.title + ', last hour; '
          + (words || 'no figure from the hypervisor'));
        figure.now.textContent = words ? capitalized(words) : 'No figure from the hypervisor.';
        const first = latestOf(points, spec.series[0].field);
        if (first) figure.figure.dataset.latest = String(first.value);
        else delete figure.figure.dataset.latest;
      }
    }

    return view;
  }

  // Leaving the page lets go of the charts; a page the browser brings
  // back (its back button) draws them again at its watch's next second.
  window.addEventListener('pagehide', () => {
    if (usage) {
      usage.destroyCharts();
      usage.due = 0;
    }
  });

  async function showEntity(path, notice) {
    renderEntity(await api('GET', path), notice);
  }

  // Link ends shown as a path are given their resource's title, read once.
  const endNames = new Map();
  async function nameLinkEnds(container) {
    const cells = [...container.querySelectorAll('a[data-end]')].slice(0, 50);
    for (const cell of cells) {
      const where = cell.dataset.end;
      if (!endNames.has(where)) {
        endNames.set(where, api('GET', where).then((end) => entityName(end), () => null));
      }
      const name = await endNames.get(where);
      if (name && cell.isConnected) {
        cell.textContent = name;
        cell.title = where;
      }
    }
  }

  // ---- The model page -----------------------------------------------------

  function showModel() {
    const table = (categories, withLocation) => el('table', { class: 'entities' },
      el('thead', null, el('tr', null, el('th', { scope: 'col' }, 'Title'),
        el('th', { scope: 'col' }, 'Type identifier'),
        withLocation ? el('th', { scope: 'col' }, 'Location') : null)),
      el('tbody', null, categories.map((c) => el('tr', null, el('td', null, titleOf(c)),
        el('td', null, el('code', null, typeId(c))),
        withLocation ? el('td', null, localHref(c.location) ? el('a', { href: c.location }, c.location) : '')
          : null))));
    show(el('h1', null, 'Model'),
      el('p', { class: 'muted' }, 'What this server offers, from its query interface.'),
      el('h2', null, 'Kinds'), table(model.kinds, true),
      el('h2', null, 'Mixins'), table(model.mixins, true),
      el('h2', null, 'Actions'), table(model.actions, false));
  }

  // ---- Start --------------------------------------------------------------

  async function start() {
    const notice = takeNotice();
    renderWho();
    model = await loadModel();
    renderNav();
    let path = location.pathname;
    if (mount && path.startsWith(mount)) path = path.slice(mount.length);
    if (!path.startsWith('/')) path = '/' + path;
    if (path === '/') {
      document.title = 'Resources — OCCI console';
      await showOverview(notice);
    } else if (path === '/-/' || path === '/.well-known/org/ogf/occi/-/') {
      document.title = 'Model — OCCI console';
      showModel();
    } else if (path.endsWith('/')) {
      document.title = path + ' — OCCI console';
      await showCollection(location.pathname, notice);
    } else {
      await showEntity(location.pathname, notice);
    }
    main.dataset.ready = 'true';
  }

  start().catch((error) => {
    show(el('h1', null, 'The console could not show this page'), errorBox(error),
      el('p', null, el('a', { href: mount + '/' }, 'Back to the resources')));
    main.dataset.ready = 'true';
  });
}());
