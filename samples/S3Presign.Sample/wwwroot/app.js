// The sample page: uses the browser client served by S3Presign.AspNetCore at /uploads/client.js.
import { S3UploadsClient } from '/uploads/client.js';

const $ = selector => document.querySelector(selector);
const userInput = $('#user');
const client = new S3UploadsClient({
  baseUrl: '/uploads',
  // DEMO ONLY: the sample's authentication takes the user name from this header.
  headers: () => ({ 'X-Demo-User': userInput.value.trim() }),
});

const formatSize = bytes => bytes == null ? '' : bytes < 1024 ? `${bytes} B`
  : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

async function uploadOne(file) {
  const bar = el('progress', { max: 100, value: 0 });
  const state = el('span', { className: 'state', textContent: 'Waiting…' });
  const item = el('li', { className: 'upload' }, el('span', { className: 'name', textContent: file.name }), bar, state);
  item.dataset.name = file.name;
  $('#uploads').prepend(item);
  try {
    await client.upload(file, {
      onProgress: e => {
        bar.value = e.percent;
        item.dataset.percent = e.percent;
        state.textContent = e.phase === 'issuing' ? 'Starting…'
          : e.phase === 'uploading' ? `Uploading ${e.percent} %`
          : e.phase === 'validating' ? 'Checking…' : 'Validated';
      },
    });
    bar.value = 100;
    item.classList.add('validated');
    state.textContent = 'Validated';
  } catch (e) {
    item.classList.add('error');
    item.dataset.code = e.code ?? 'error';
    state.textContent = e.message;
  }
}

async function uploadAll(files) {
  await Promise.all([...files].map(uploadOne));
  await refresh();
}

async function refresh() {
  const body = $('#file-list tbody');
  const error = $('#files-error');
  try {
    const { items } = await client.list();
    error.hidden = true;
    body.replaceChildren(...items.map(row));
    $('#empty').hidden = items.length > 0;
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
}

function row(upload) {
  const actions = el('td');
  if (upload.status === 'validated') {
    actions.append(el('button', { type: 'button', className: 'download', textContent: 'Download', onclick: () => download(upload) }));
  }
  actions.append(el('button', { type: 'button', className: 'delete', textContent: 'Delete', onclick: () => remove(upload) }));
  const tr = el('tr', {},
    el('td', { className: 'name', textContent: upload.filename }),
    el('td', { textContent: formatSize(upload.size ?? upload.declaredSize) }),
    el('td', { textContent: upload.contentType }),
    el('td', { className: 'status', textContent: upload.status + (upload.statusReason ? ` (${upload.statusReason})` : '') }),
    actions);
  tr.dataset.id = upload.id;
  tr.dataset.name = upload.filename;
  return tr;
}

async function download(upload) {
  try {
    const { url } = await client.downloadUrl(upload.id);
    // Fetch then save, so the file keeps its original name (the bucket's CORS rule allows the GET).
    const response = await fetch(url);
    if (!response.ok) throw new Error(`The download failed (HTTP ${response.status}).`);
    const blob = await response.blob();
    const link = el('a', { href: URL.createObjectURL(blob), download: upload.filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (e) {
    alert(e.message);
  }
}

async function remove(upload) {
  try {
    await client.remove(upload.id);
  } catch (e) {
    alert(e.message);
  }
  await refresh();
}

$('#files').addEventListener('change', e => { uploadAll(e.target.files); e.target.value = ''; });
$('#refresh').addEventListener('click', refresh);
userInput.addEventListener('change', refresh);
const drop = $('#drop');
drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', e => { e.preventDefault(); drop.classList.remove('over'); uploadAll(e.dataTransfer.files); });
refresh();
