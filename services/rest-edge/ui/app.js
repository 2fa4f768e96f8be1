// The chat page: plain DOM and fetch, no framework and no build step. Every
// call goes to the edge's REST routes; a thread's view is built only from
// its WatchThread events (Server-Sent Events), replayed from the start and
// then live, so what the page shows is what the stream delivered.
const $ = (id) => document.getElementById(id);
const config = await (await fetch('/ui/config.json')).json();

let me = '';
let token = '';
let watch;
let thread;

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A ULID: 48 bits of milliseconds, then 80 random bits, in Crockford's base 32. */
function newUlid() {
  let time = Date.now();
  let id = '';
  for (let i = 0; i < 10; i++, time = Math.floor(time / 32)) id = crockford[time % 32] + id;
  for (const byte of crypto.getRandomValues(new Uint8Array(16))) id += crockford[byte % 32];
  return id;
}

const ids = (text) => text.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
const short = (account) => (account === me ? 'you' : `…${account.slice(-6)}`);

function showStatus(text) {
  $('status').textContent = text;
}

/** One REST call; the grpc-gateway error body's message becomes the thrown error. */
async function api(method, path, body) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = res.status === 204 ? {} : await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${json.message ?? res.statusText} (HTTP ${res.status})`);
  return json;
}

/** Runs a UI action, showing its error instead of losing it. */
function act(handler) {
  return (event) => {
    event.preventDefault();
    showStatus('');
    handler().catch((err) => showStatus(err.message));
  };
}

/** Picks the account; with a development issuer configured, fetches its token first. */
async function useAccount(account) {
  me = account.toUpperCase();
  token = '';
  if (config.issuerUrl) {
    const res = await fetch(`${config.issuerUrl.replace(/\/$/, '')}/dev/token?account_id=${me}`);
    if (!res.ok) throw new Error(`the development issuer refused a token (HTTP ${res.status})`);
    token = (await res.json()).access_token;
  }
  $('whoami').textContent = `signed in as ${me}${token ? '' : ' (no token: no issuer configured)'}`;
  $('app').hidden = false;
  history.replaceState(null, '', `?account=${me}`);
  await refreshThreads();
}

async function refreshThreads() {
  const { threads } = await api('GET', `/v1/threads?account_id=${me}`);
  $('thread-list').replaceChildren(
    ...threads.map((t) => {
      const li = document.createElement('li');
      li.dataset.threadId = t.id;
      li.textContent = t.title;
      li.onclick = () => openThread(t.id).catch((err) => showStatus(err.message));
      return li;
    }),
  );
}

function setWatchState(text, live = false) {
  $('watch-state').textContent = text;
  $('watch-state').classList.toggle('live', live);
}

/** Opens a thread: its view starts empty and is filled by the watch, history first. */
async function openThread(threadId) {
  watch?.close();
  thread = { id: threadId, members: new Set(), messages: new Map(), replyTo: undefined };
  $('thread').hidden = false;
  $('thread-id').textContent = threadId;
  $('thread-title').textContent = '';
  $('messages').replaceChildren();
  renderMembers();
  setReply(undefined);
  // EventSource cannot send Authorization: the token goes into the session cookie first.
  if (token) await api('POST', '/v1/session');
  setWatchState('connecting');
  watch = new EventSource(`/v1/threads/${threadId}/events:watch?account_id=${me}`);
  watch.onopen = () => setWatchState('live', true);
  watch.onmessage = (message) => apply(JSON.parse(message.data).event);
  watch.addEventListener('end', (message) => {
    watch.close();
    const { error } = JSON.parse(message.data);
    setWatchState(error ? `ended: ${error.message}` : 'ended');
  });
  watch.onerror = () => setWatchState(watch.readyState === EventSource.CLOSED ? 'closed (no access?)' : 'reconnecting');
}

function renderMembers() {
  $('member-count').textContent = String(thread.members.size);
  $('members').replaceChildren(...[...thread.members].map((m) => Object.assign(document.createElement('li'), { textContent: m === me ? `${m} (you)` : m })));
}

function setReply(message) {
  thread.replyTo = message?.id;
  $('replying').hidden = message === undefined;
  $('replying-to').textContent = message === undefined ? '' : `"${message.text.slice(0, 40)}"`;
}

function messageItem(message) {
  const li = document.createElement('li');
  li.dataset.messageId = message.id;
  const replied = message.replyMessageId && thread.messages.get(message.replyMessageId);
  if (message.replyMessageId) li.append(Object.assign(document.createElement('span'), { className: 'quote', textContent: replied ? replied.text : '(a removed message)' }));
  li.append(Object.assign(document.createElement('span'), { className: 'sender', textContent: short(message.senderId) }));
  li.append(Object.assign(document.createElement('span'), { className: 'text', textContent: message.text }));
  const reply = Object.assign(document.createElement('button'), { className: 'reply', textContent: 'reply', type: 'button' });
  reply.onclick = () => setReply(message);
  li.append(reply);
  if (message.senderId === me) {
    const remove = Object.assign(document.createElement('button'), { className: 'remove', textContent: 'remove', type: 'button' });
    remove.onclick = act(() => api('POST', `/v1/threads/${thread.id}/messages/remove`, { accountId: me, messageIds: [message.id] }));
    li.append(remove);
  }
  return li;
}

/** Folds one thread event into the view. */
function apply(event) {
  if (event.threadId !== thread.id) return;
  if (event.threadCreated) {
    $('thread-title').textContent = event.threadCreated.title;
    // The list comes from the read model, which may not have this thread yet.
    if (!document.querySelector(`#thread-list li[data-thread-id="${thread.id}"]`)) {
      const li = Object.assign(document.createElement('li'), { textContent: event.threadCreated.title });
      li.dataset.threadId = thread.id;
      li.onclick = () => openThread(li.dataset.threadId).catch((err) => showStatus(err.message));
      $('thread-list').prepend(li);
    }
    for (const id of [...event.threadCreated.administratorIds, ...event.threadCreated.memberIds]) thread.members.add(id);
  }
  for (const joined of [event.memberIdsJoined, event.administratorIdsJoined]) for (const id of joined?.accountIds ?? []) thread.members.add(id);
  for (const left of [event.memberIdsLeft, event.administratorIdsLeft]) for (const id of left?.accountIds ?? []) thread.members.delete(id);
  for (const added of event.messagesAdded?.messages ?? []) {
    const message = { ...added, senderId: event.accountId };
    thread.messages.set(added.id, message);
    $('messages').append(messageItem(message));
  }
  for (const id of event.messagesRemoved?.messageIds ?? []) {
    thread.messages.delete(id);
    document.querySelector(`#messages li[data-message-id="${id}"]`)?.remove();
  }
  if (event.threadDestroyed) $('thread-title').textContent += ' (destroyed)';
  renderMembers();
}

$('new-account').onclick = () => ($('account-id').value = newUlid());
$('account-form').onsubmit = act(() => useAccount($('account-id').value.trim()));
$('refresh-threads').onclick = act(refreshThreads);
$('open-form').onsubmit = act(() => openThread($('thread-id-input').value.trim().toUpperCase()));
$('create-form').onsubmit = act(async () => {
  const body = { accountId: me, title: $('new-thread-title').value, administratorIds: [me], memberIds: ids($('new-thread-members').value) };
  const { threadId } = await api('POST', '/v1/threads/create', body);
  $('create-form').reset();
  await openThread(threadId);
});
$('join-form').onsubmit = act(async () => {
  await api('POST', `/v1/threads/${thread.id}/member-ids/join`, { accountId: me, accountIds: ids($('join-ids').value) });
  $('join-ids').value = '';
});
$('post-form').onsubmit = act(async () => {
  const message = { text: $('message-text').value, ...(thread.replyTo ? { replyMessageId: thread.replyTo } : {}) };
  await api('POST', `/v1/threads/${thread.id}/messages/add`, { accountId: me, messages: [message] });
  $('message-text').value = '';
  setReply(undefined);
});
$('cancel-reply').onclick = () => setReply(undefined);

const preset = new URLSearchParams(location.search).get('account');
if (preset) {
  $('account-id').value = preset;
  await useAccount(preset).catch((err) => showStatus(err.message));
}
