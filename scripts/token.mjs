// `npm run -s token -- <accountId>` prints a fresh access token for the
// account, and nothing else, so scripts can use $(npm run -s token -- 01H...).
// It asks the development issuer `npm start` runs (DEV_ISSUER_URL, default
// http://127.0.0.1:8091): its signing key exists only in that process.
const accountId = process.argv[2];
if (accountId === undefined || accountId === '') {
  process.stderr.write('usage: npm run -s token -- <accountId (a ULID)>\n');
  process.exit(2);
}
const issuer = (process.env.DEV_ISSUER_URL ?? 'http://127.0.0.1:8091').replace(/\/+$/, '');
try {
  const response = await fetch(`${issuer}/dev/token?account_id=${encodeURIComponent(accountId)}`);
  const body = await response.json();
  if (response.status !== 200) throw new Error(body.error_description ?? `HTTP ${response.status}`);
  process.stdout.write(`${body.access_token}\n`);
} catch (err) {
  process.stderr.write(`no token from the development issuer at ${issuer}: ${err.message}\n(is \`npm start\` running? set DEV_ISSUER_URL to its issuer URL)\n`);
  process.exit(1);
}
