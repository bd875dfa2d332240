import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayEnvValue, isSecretEnvName, MASKED_VALUE } from '../../shared/secret-env.js';

describe('isSecretEnvName', () => {
  for (const name of ['STRIPE_SECRET_KEY', 'API_KEY', 'aws_secret', 'GITHUB_TOKEN', 'PASSWORD', 'DB_PASSWORD', 'JWT_SECRET', 'password']) {
    it(`${name} is a secret`, () => assert.equal(isSecretEnvName(name), true));
  }
  for (const name of ['PORT', 'KEYBOARD', 'NODE_ENV', 'TOKENIZER_PATH', 'PASSWORD_MIN_LENGTH_HINT', 'MONKEY']) {
    it(`${name} is not`, () => assert.equal(isSecretEnvName(name), false));
  }
});

describe('displayEnvValue', () => {
  it('masks secrets and shows the rest', () => {
    assert.equal(displayEnvValue('API_KEY', 'sk_live_123'), MASKED_VALUE);
    assert.equal(displayEnvValue('PORT', '3000'), '3000');
    assert.equal(displayEnvValue('API_KEY', ''), '');
  });
});
