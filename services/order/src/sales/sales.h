#pragma once

// GetStreamSales and GetSellerStats on plain types: who may see what, pages, and the answer
// put together. The RPC surface (sales_rpcs.h) authenticates and maps statuses.
//
// Who: an admin sees every seller's sales of a stream; a host sees their own sales of it. The
// order service does not own streams (video-ingest does), so it knows a stream's seller by its
// sales: a host with no sale in a stream where someone else sold gets PERMISSION_DENIED
// NOT_STREAM_SELLER (stream ids are public, and a room's sold ticker already shows that it
// sells); a stream without any sale gives zero totals to every host, as there is nothing to
// show or to hide. Viewers get PERMISSION_DENIED ROLE_REQUIRED.

#include <string>

#include "absl/status/status.h"
#include "sales/sales_store.h"
#include "shopcast/auth/caller.h"
#include "shopcast/order/v1/order.pb.h"
#include "shopcast/pagetoken/codec.h"

namespace shopcast::order::sales {

class Sales {
 public:
  // Both outlive the object.
  Sales(SalesStore& store, const pagetoken::Codec& page_tokens)
      : store_(store), page_tokens_(page_tokens) {}

  absl::Status GetStreamSales(const auth::Caller& caller, const v1::GetStreamSalesRequest& request,
                              v1::GetStreamSalesResponse* response);
  absl::Status GetSellerStats(const auth::Caller& caller, const v1::GetSellerStatsRequest& request,
                              v1::GetSellerStatsResponse* response);

 private:
  SalesStore& store_;
  const pagetoken::Codec& page_tokens_;
};

}  // namespace shopcast::order::sales
