import { describe, expect, it } from 'vitest';
import { claimAt, looksLikeJwt, principalFromClaims, rolesFromClaims } from './oidc-claims.js';

describe('looksLikeJwt', () => {
  it.each([
    ['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln', true],
    ['eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.', true],
    ['wdn_' + 'A'.repeat(43), false],
    ['a.b', false],
    ['a.b.c.d', false],
    ['a+b.c.d', false],
    ['.b.c', false],
  ])('%s → %s', (credential, expected) => {
    expect(looksLikeJwt(credential)).toBe(expected);
  });
});

describe('claimAt', () => {
  const payload = {
    sub: 'u1',
    'https://bank.example/roles': ['mlops'],
    realm_access: { roles: ['validator'] },
    list: [{ x: 1 }],
  };
  it.each([
    ['sub', 'u1'],
    ['https://bank.example/roles', ['mlops']],
    ['realm_access.roles', ['validator']],
    ['realm_access.missing', undefined],
    ['list.0.x', undefined],
    ['toString', undefined],
  ])('%s', (name, expected) => {
    expect(claimAt(payload, name)).toEqual(expected);
  });
});

describe('principalFromClaims', () => {
  it('prefixes the claim value', () => {
    expect(principalFromClaims({ email: 'a@bank.example' }, 'email')).toBe('oidc:a@bank.example');
  });
  it.each([[{}], [{ sub: '' }], [{ sub: '  ' }], [{ sub: 42 }], [{ sub: 'x'.repeat(201) }]])(
    'refuses %j',
    (payload) => {
      expect(() => principalFromClaims(payload, 'sub')).toThrow(/no usable "sub" claim/);
    },
  );
});

describe('rolesFromClaims', () => {
  const map = { 'ml-platform': ['mlops', 'ml-engineer'], risk: ['validator'] } as const;
  it.each([
    ['array of role names', { roles: ['viewer', 'data-scientist'] }, undefined, ['viewer', 'data-scientist']],
    ['space-separated string', { roles: 'viewer  auditor' }, undefined, ['viewer', 'auditor']],
    ['unknown names ignored', { roles: ['superuser', 'viewer', 7] }, undefined, ['viewer']],
    ['missing claim', {}, undefined, []],
    ['claim of another type', { roles: { admin: true } }, undefined, []],
    [
      'mapped groups',
      { roles: ['ml-platform', 'risk', 'staff'] },
      map,
      ['mlops', 'ml-engineer', 'validator'],
    ],
    ['role names not in the map give nothing', { roles: 'admin viewer' }, map, []],
    ['duplicates collapse', { roles: ['risk', 'risk'] }, map, ['validator']],
    ['prototype names are not groups', { roles: ['constructor', '__proto__'] }, map, []],
  ])('%s', (_label, payload, roleMap, expected) => {
    expect(rolesFromClaims(payload as Record<string, unknown>, 'roles', roleMap)).toEqual(expected);
  });
});
