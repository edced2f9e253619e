// The sample's Uppy page: Uppy's Dashboard uploading straight to S3 through MapS3UploadsUppy (mounted at /uppy),
// then validating each file with S3Presign's own POST /uploads/{id}/validate.
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import AwsS3 from '@uppy/aws-s3';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const UPPY = '/uppy';        // app.MapGroup("/uppy").MapS3UploadsUppy()
const UPLOADS = '/uploads';  // app.MapGroup("/uploads").MapS3Uploads()
const MiB = 1024 * 1024;

const userBox = document.getElementById('user');
const results = document.getElementById('results');
const user = () => userBox.value.trim() || 'demo';

// DEMO ONLY: the sample authenticates with the X-Demo-User header. @uppy/aws-s3 6 has no option to add headers to its
// Companion requests (it calls fetch() with same-origin credentials, so cookie authentication needs nothing), so the
// page adds the header to every same-origin request under /uppy/.
const nativeFetch = window.fetch.bind(window);
window.fetch = (input, init = {}) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url, location.href);
  if (url.origin === location.origin && url.pathname.startsWith(UPPY + '/')) {
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('X-Demo-User', user());
    return nativeFetch(input, { ...init, headers });
  }
  return nativeFetch(input, init);
};

const api = async (path, options = {}) => {
  const response = await nativeFetch(path, {
    ...options,
    headers: { Accept: 'application/json', 'X-Demo-User': user(), ...options.headers },
  });
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    const error = new Error(body?.detail ?? `${response.status} ${response.statusText}`);
    error.code = body?.code;
    throw error;
  }
  return body;
};

// How the server cuts multipart uploads (S3Uploads:MultipartPartSize, grown in whole MiB past 10,000 parts): Uppy must
// cut the same parts, because the server signs part numbers 1…partCount only.
const config = await api(`${UPPY}/s3/config`);
const partSizeFor = size => {
  const wanted = Math.max(config.partSize, config.minPartSize, Math.ceil(size / config.maxParts));
  return Math.ceil(wanted / MiB) * MiB;
};

const row = file => {
  let li = results.querySelector(`li[data-id="${CSS.escape(file.id)}"]`);
  if (!li) {
    li = document.createElement('li');
    li.className = 'upload';
    li.dataset.id = file.id;
    li.dataset.name = file.name;
    li.innerHTML = '<span class="name"></span> <span class="state"></span> <span class="detail"></span>';
    li.querySelector('.name').textContent = file.name;
    results.append(li);
  }
  return li;
};
const show = (file, state, detail = '', extra = {}) => {
  const li = row(file);
  li.querySelector('.state').textContent = state;
  li.querySelector('.detail').textContent = detail;
  li.className = `upload ${state.toLowerCase()}`;
  Object.assign(li.dataset, extra);
};

const uppy = new Uppy({
  autoProceed: true,
  restrictions: config.maxFileSize ? { maxFileSize: config.maxFileSize } : {},
})
  .use(Dashboard, { target: '#dashboard', inline: true, height: 360, proudlyDisplayPoweredByUppy: false })
  .use(AwsS3, {
    companionEndpoint: UPPY,
    // Multipart above the server's threshold, in the parts the server plans.
    shouldUseMultipart: file => (file.size ?? 0) > config.multipartThreshold,
    getChunkSize: file => partSizeFor(file.size),
    // Create-multipart carries no size of its own: the server takes it from metadata.size (and binds it).
    allowedMetaFields: ['size'],
  });

uppy.on('file-added', file => {
  uppy.setFileMeta(file.id, { size: file.size });
  show(file, 'Uploading');
});

// Uppy's "success" means S3 has the bytes; the file stays pending until S3Presign validates it. Uppy reports the key,
// so find the upload with that key among the caller's uploads, then validate it (complete already validated a
// multipart upload; validating again is idempotent).
uppy.on('upload-success', async (file, response) => {
  const key = response.body?.key;
  try {
    show(file, 'Validating');
    const list = await api(`${UPLOADS}/?filename=${encodeURIComponent(file.name)}&limit=1000`);
    const upload = list.items.find(item => item.fileKey === key);
    if (!upload) throw new Error(`No upload with key ${key}.`);
    const validated = await api(`${UPLOADS}/${upload.id}/validate`, { method: 'POST' });
    show(file, 'Validated', `${validated.size} bytes`, { uploadId: validated.id, key: validated.fileKey, size: String(validated.size) });
  } catch (e) {
    show(file, 'Failed', e.message, { code: e.code ?? '' });
  }
});

uppy.on('upload-error', (file, error) => {
  if (file) show(file, 'Failed', error?.message ?? 'Upload failed.');
});

document.body.dataset.ready = 'true';
