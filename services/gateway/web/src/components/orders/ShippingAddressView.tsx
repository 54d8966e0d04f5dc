import type { ShippingAddress } from '../../api/types';

/** Where an order goes, as the seller ships it. */
export function ShippingAddressView({ address }: { address: ShippingAddress | undefined }) {
  if (!address?.line1) return null;
  const cityLine = [address.postalCode, address.city, address.region].filter(Boolean).join(' ');
  return (
    <address className="ship-to" data-testid="ship-to">
      <strong>Ship to</strong>
      <br />
      {address.recipientName}
      <br />
      {address.line1}
      {address.line2 && (
        <>
          <br />
          {address.line2}
        </>
      )}
      <br />
      {cityLine}
      <br />
      {address.countryCode}
    </address>
  );
}
