import { maskPhone, normalizePhone } from '../../src/phone.js';

describe('when a typed phone number is read', () => {
  it.each([
    ['13800000000', '+86 13800000000'],
    ['+86 138 0000 0000', '+86 13800000000'],
    ['+8613800000000', '+86 13800000000'],
    ['0086 138 0000 0000', '+86 13800000000'],
    ['008613800000000', '+86 13800000000'],
    ['１３８００００００００', '+86 13800000000'],
    ['＋８６ １３８ ００００ ００００', '+86 13800000000'],
    ['138-0000-0000', '+86 13800000000'],
    ['(+86) 138 0000 0000', '+86 13800000000'],
    ['  13800000000  ', '+86 13800000000'],
    ['+86 199 1234 5678', '+86 19912345678'],
  ])('turns %j into %j', (typed, expected) => {
    expect(normalizePhone(typed)).toBe(expected);
  });

  it.each([
    ['too short', '12345'],
    ['a US number', '+1 650 555 1234'],
    ['letters', 'abc'],
    ['a mix of letters and digits', '138abc00000'],
    ['a landline', '010 6552 9988'],
    ['empty', ''],
    ['over 40 characters', '1'.repeat(41)],
    ['a number with an extension', '13800000000 ext 1'],
    ['twelve digits', '138000000001'],
  ])('refuses %s', (_what, typed) => {
    expect(normalizePhone(typed)).toBeUndefined();
  });

  it.each([undefined, null, 13800000000, ['13800000000'], {}])('refuses the non-string %j', (value) => {
    expect(normalizePhone(value)).toBeUndefined();
  });
});

describe('when a phone number is shown masked', () => {
  it('keeps the first three and last four digits', () => {
    expect(maskPhone('+86 13812345678')).toBe('+86 138****5678');
  });

  it('leaves anything that is not an 11-digit national number as it is', () => {
    expect(maskPhone('+86 1381234')).toBe('+86 1381234');
  });
});
