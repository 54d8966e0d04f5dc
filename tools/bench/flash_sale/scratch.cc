#include "scratch.h"

#include <pqxx/connection>
#include <pqxx/transaction>

namespace shopcast::bench::flash_sale {

AuditResult Audit(const std::string& dsn) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  const pqxx::result r = tx.exec(R"~(
WITH h AS (
  SELECT product_id,
         coalesce(sum(quantity) FILTER (WHERE state = 'active'), 0) AS active,
         coalesce(sum(quantity) FILTER (WHERE state = 'committed'), 0) AS committed,
         count(*) AS n
  FROM holds GROUP BY product_id)
SELECT coalesce(sum(greatest(coalesce(h.active, 0) + coalesce(h.committed, 0) - s.total, 0)), 0),
       count(*) FILTER (WHERE s.held <> coalesce(h.active, 0)
                           OR s.sold <> coalesce(h.committed, 0)
                           OR s.held + s.sold > s.total),
       coalesce(sum(h.n), 0),
       coalesce(sum(h.active), 0),
       coalesce(sum(s.sold), 0)
FROM stock s LEFT JOIN h USING (product_id))~");
  AuditResult out;
  out.oversold = r[0][0].as<int64_t>();
  out.invariant = r[0][1].as<int64_t>() == 0;
  out.holds = r[0][2].as<int64_t>();
  out.held_units = r[0][3].as<int64_t>();
  out.sold_units = r[0][4].as<int64_t>();
  return out;
}

}  // namespace shopcast::bench::flash_sale
