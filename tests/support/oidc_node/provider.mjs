// panva's oidc-provider (OpenID Certified) on loopback, for the single sign-on tests.
//
// Its defaults are kept: claims go to the userinfo endpoint, not the ID token, when an access
// token is issued (conformIdTokenClaims); the issuer is named in authorization responses
// (RFC 9207); RP-initiated logout is on; the development login and consent pages ask a person
// to act. Only PKCE is tightened, to required for every client.
//
// The test passes OIDC_TEST_CONFIG, JSON: {"clients": [client metadata], "accounts": {login:
// claims}}. Any password is accepted for a known login. The first line on stdout is JSON
// {"issuer": "http://127.0.0.1:<port>"} once the provider listens.
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const accounts = config.accounts || {};

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: config.clients || [],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    async findAccount(ctx, id) {
      const claims = accounts[id];
      if (!claims) {
        return undefined;
      }
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...claims };
        },
      };
    },
    pkce: { required: () => true },
    cookies: { keys: ['test-only-cookie-signing-key'] },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
