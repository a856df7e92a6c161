import { FORMS, MAX, readForm } from '../../src/routes/forms.js';
import { AppError } from '../../src/errors/app-error.js';
import { httpStatus } from '../../src/http/errors.js';

function refusal(schema: Parameters<typeof readForm>[0], body: unknown): { status: number; code: string; key: string; field?: string } {
  try {
    readForm(schema, body);
  } catch (e) {
    if (e instanceof AppError) return { status: httpStatus(e), code: e.code, key: e.messageKey, ...(e.extra.field ? { field: e.extra.field } : {}) };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('when a form body is read', () => {
  it('trims text, keeps passwords exactly, and reads absent fields as empty', () => {
    expect(readForm(FORMS.signupProfile, { name: '  Ada ', password: ' pass word ' })).toEqual({ name: 'Ada', username: '', password: ' pass word ', consent: '' });
    expect(readForm(FORMS.login, undefined)).toEqual({ username: '', password: '' });
  });

  it('ignores fields the form does not have (the CSRF token, returnTo)', () => {
    expect(readForm(FORMS.deleteAccount, { password: 'x', _csrf: 't', returnTo: '/' })).toEqual({ password: 'x' });
  });

  it.each([
    ['an array (a=1&a=2)', FORMS.login, { username: ['a', 'b'] }, { status: 400, code: 'invalid_input', key: 'err.invalid_input', field: 'username' }],
    ['a number', FORMS.smsPhone, { phone_number: 13800000000 }, { status: 400, code: 'invalid_input', key: 'err.invalid_input', field: 'phone_number' }],
    ['an over-long name', FORMS.signupProfile, { name: 'n'.repeat(MAX.name + 1) }, { status: 400, code: 'too_long', key: 'err.name_too_long', field: 'name' }],
    ['an over-long new password', FORMS.changePassword, { old_password: 'x', new_password: 'p'.repeat(MAX.password + 1) }, { status: 400, code: 'too_long', key: 'err.password_too_long', field: 'new_password' }],
    ['an over-long code', FORMS.smsCode, { verification_code: '1'.repeat(MAX.code + 1) }, { status: 400, code: 'too_long', key: 'err.code_format', field: 'verification_code' }],
    ['an over-long phone', FORMS.smsPhone, { phone_number: '1'.repeat(MAX.phone + 1) }, { status: 400, code: 'too_long', key: 'err.invalid_phone', field: 'phone_number' }],
  ])('refuses %s with a 400 naming the field', (_what, schema, body, expected) => {
    expect(refusal(schema, body)).toEqual(expected);
  });
});
