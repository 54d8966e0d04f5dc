/** The placeholder payment provider's test tokens (order.proto PlaceholderPaymentMethod). */
export const TEST_CARDS = [
  { token: 'pm_test_approve', label: 'Test card 4242 — approved' },
  { token: 'pm_test_card_declined', label: 'Test card 0002 — declined' },
  { token: 'pm_test_insufficient_funds', label: 'Test card 9995 — insufficient funds' },
] as const;

export const COUNTRIES: Array<[string, string]> = [
  ['US', 'United States'],
  ['GB', 'United Kingdom'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['NL', 'Netherlands'],
  ['CH', 'Switzerland'],
  ['ES', 'Spain'],
  ['IT', 'Italy'],
  ['CA', 'Canada'],
  ['AU', 'Australia'],
  ['JP', 'Japan'],
];
