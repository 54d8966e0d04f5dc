#include "payments/payments_sql.h"

namespace shopcast::order::payments::sql {

std::vector<std::pair<std::string, std::string>> PreparedStatements() {
  return {
      {kSelectPaymentName, kSelectPayment}, {kLockPaymentName, kLockPayment},
      {kInsertPaymentName, kInsertPayment}, {kInsertTombstoneName, kInsertTombstone},
      {kSetAuthorizedName, kSetAuthorized}, {kSetDeclinedName, kSetDeclined},
      {kSetCapturedName, kSetCaptured},     {kSetVoidedName, kSetVoided},
      {kAddRefundName, kAddRefund},         {kInsertEntryName, kInsertEntry},
      {kSelectRefundName, kSelectRefund},   {kTotalsName, kTotals},
  };
}

}  // namespace shopcast::order::payments::sql
