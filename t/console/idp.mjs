/* SPDX-License-Identifier: Apache-2.0 */
// A minimal OpenID Connect provider for the console's single sign-on test
// (t/libvirt/console_sso.t), on loopback: its discovery document, an
// authorization endpoint that signs in one configured user at once (no
// login form: the test is of mod_occi's console behind mod_auth_openidc,
// not of a provider), and a token endpoint that checks the client's
// credentials and the code, and answers an ID token signed with the
// client's secret (HS256, which OpenID Connect allows for confidential
// clients). Every request is logged on stdout as one line.
//
// Usage: node idp.mjs PORT CLIENT_ID CLIENT_SECRET USER
import { createServer } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';

const [portText, clientId, clientSecret, user] = process.argv.slice(2);
if (!portText || !clientId || !clientSecret || !user) {
  console.error('usage: node idp.mjs PORT CLIENT_ID CLIENT_SECRET USER');
  process.exit(2);
}
const port = Number(portText);
const issuer = `http://127.0.0.1:${port}`;
// code -> what the authorization request asked for; each code serves once.
const codes = new Map();

const base64url = (data) => Buffer.from(data).toString('base64url');

function idToken(nonce) {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({
    iss: issuer, sub: user, aud: clientId, iat: now, exp: now + 600,
    ...(nonce ? { nonce } : {}),
  }));
  const signature = createHmac('sha256', clientSecret).update(`${header}.${payload}`)
    .digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function send(response, status, body, headers = {}) {
  response.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
  response.end(body);
}

function json(response, status, object) {
  send(response, status, JSON.stringify(object), { 'Content-Type': 'application/json' });
}

// The client's id and secret, from HTTP Basic or the form.
function clientOf(request, form) {
  const auth = request.headers.authorization || '';
  if (auth.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
    return { id: decodeURIComponent(id), secret: decodeURIComponent(secret || '') };
  }
  return { id: form.get('client_id'), secret: form.get('client_secret') };
}

const server = createServer((request, response) => {
  const url = new URL(request.url, issuer);
  console.log(`${request.method} ${url.pathname}`);
  if (url.pathname === '/.well-known/openid-configuration') {
    json(response, 200, {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['HS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['openid'],
    });
  } else if (url.pathname === '/jwks') {
    json(response, 200, { keys: [] });
  } else if (url.pathname === '/authorize') {
    const redirect = url.searchParams.get('redirect_uri');
    if (url.searchParams.get('client_id') !== clientId || !redirect
        || url.searchParams.get('response_type') !== 'code') {
      send(response, 400, 'bad authorization request');
      return;
    }
    const code = randomBytes(16).toString('hex');
    codes.set(code, { redirect, nonce: url.searchParams.get('nonce') });
    const back = new URL(redirect);
    back.searchParams.set('code', code);
    if (url.searchParams.get('state')) {
      back.searchParams.set('state', url.searchParams.get('state'));
    }
    send(response, 302, '', { Location: back.toString() });
  } else if (url.pathname === '/token' && request.method === 'POST') {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      const form = new URLSearchParams(body);
      const client = clientOf(request, form);
      const asked = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      if (client.id !== clientId || client.secret !== clientSecret) {
        json(response, 401, { error: 'invalid_client' });
      } else if (!asked || form.get('grant_type') !== 'authorization_code'
                 || form.get('redirect_uri') !== asked.redirect) {
        json(response, 400, { error: 'invalid_grant' });
      } else {
        json(response, 200, {
          access_token: randomBytes(16).toString('hex'), token_type: 'Bearer',
          expires_in: 600, id_token: idToken(asked.nonce),
        });
      }
    });
  } else {
    send(response, 404, 'not found');
  }
});
server.listen(port, '127.0.0.1', () => console.log(`listening on ${issuer}`));
