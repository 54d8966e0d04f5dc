import { describe, expect, it } from 'vitest';
import { fieldsFromSchema, formKeyForField, localCheck, toParameterValue, violationsByField } from './schemaForm';

const type = {
  id: 'pty_1',
  name: 'Sneakers',
  parameters: [
    { key: 'size', label: 'Size', kind: 'PARAMETER_KIND_INTEGER' as const, required: true, minValue: '30', maxValue: '50', unit: 'EU' },
    { key: 'colour', label: 'Colour', kind: 'PARAMETER_KIND_CHOICE' as const, choices: ['red', 'blue'] },
    { key: 'boxed', label: 'In box', kind: 'PARAMETER_KIND_BOOLEAN' as const },
    { key: 'weight', label: 'Weight', kind: 'PARAMETER_KIND_DECIMAL' as const, decimalPlaces: 1 },
    { key: 'msrp', label: 'MSRP', kind: 'PARAMETER_KIND_MONEY' as const, minMoney: { amountMinor: '100', currency: 'EUR' } },
    { key: 'note', label: 'Note', kind: 'PARAMETER_KIND_TEXT' as const, maxLength: 5 },
    { key: 'odd', label: 'Odd', kind: 'PARAMETER_KIND_UNSPECIFIED' as const },
  ],
};

describe('schema → form fields', () => {
  const fields = fieldsFromSchema(type);
  const by = (k: string) => fields.find((f) => f.key === k)!;

  it('makes one typed field per known parameter kind', () => {
    expect(fields.map((f) => [f.key, f.kind])).toEqual([
      ['size', 'integer'],
      ['colour', 'choice'],
      ['boxed', 'boolean'],
      ['weight', 'decimal'],
      ['msrp', 'money'],
      ['note', 'text'],
    ]);
    expect(by('size')).toMatchObject({ required: true, min: 30, max: 50, unit: 'EU', name: 'param:size' });
    expect(by('colour').choices).toEqual(['red', 'blue']);
    expect(by('msrp').currency).toBe('EUR');
  });

  it('turns typed input into the API value (int64 as strings, money in minor units)', () => {
    expect(toParameterValue(by('size'), '42', 'USD')).toEqual({ integerValue: '42' });
    expect(toParameterValue(by('colour'), 'red', 'USD')).toEqual({ choiceValue: 'red' });
    expect(toParameterValue(by('boxed'), true, 'USD')).toEqual({ boolValue: true });
    expect(toParameterValue(by('weight'), '1.5', 'USD')).toEqual({ decimalValue: '1.5' });
    expect(toParameterValue(by('msrp'), '12.50', 'USD')).toEqual({ moneyValue: { amountMinor: '1250', currency: 'EUR' } });
    expect(toParameterValue(by('note'), '   ', 'USD')).toBeUndefined();
  });

  it('catches what needs no server at once', () => {
    expect(localCheck(by('size'), '')).toBe('Size is required.');
    expect(localCheck(by('size'), '4x')).toBe('Size must be a whole number.');
    expect(localCheck(by('size'), '60')).toBe('Size must be between 30 and 50 EU.');
    expect(localCheck(by('size'), '42')).toBeNull();
    expect(localCheck(by('weight'), '1.25')).toBe('Weight allows at most 1 decimal places.');
    expect(localCheck(by('note'), 'toolong')).toBe('Note is at most 5 characters.');
    expect(localCheck(by('msrp'), '1.234')).toMatch(/amount/);
  });

  it('maps server violations onto the fields that caused them', () => {
    expect(formKeyForField('product.parameters[size]')).toBe('param:size');
    expect(formKeyForField('product.price.amount_minor')).toBe('price');
    expect(formKeyForField('product.auction_settings.buy_now_price')).toBe('auctionSettings.buyNowPrice');
    expect(formKeyForField('initial_stock')).toBe('initialStock');
    const grouped = violationsByField([
      { field: 'product.parameters[size]', reason: 'PARAMETER_OUT_OF_RANGE', description: 'Size must be 30..50' },
      { field: 'product.title', reason: 'TITLE_INVALID' },
      { field: '', reason: 'SOMETHING' },
    ]);
    expect(grouped).toEqual({ 'param:size': ['Size must be 30..50'], title: ['Title invalid.'], _: ['Something.'] });
  });
});
