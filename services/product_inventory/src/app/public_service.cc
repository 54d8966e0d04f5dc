#include "app/public_service.h"

#include "shopcast/server/unary.h"
#include "shopcast/status/status.h"

// Defines PublicService::Method as a call of `area`'s Method, or UNIMPLEMENTED when the App
// wired no such area.
#define SHOPCAST_PI_FORWARD(area, Method)                                                        \
  grpc::ServerUnaryReactor* PublicService::Method(grpc::CallbackServerContext* ctx,              \
                                                  const v1::Method##Request* request,            \
                                                  v1::Method##Response* response) {              \
    if (areas_.area == nullptr) {                                                                \
      return server::FinishNow(                                                                  \
          ctx, Error(absl::StatusCode::kUnimplemented, "NOT_SERVED", #Method " is not served")); \
    }                                                                                            \
    return areas_.area->Method(ctx, request, response);                                          \
  }

namespace shopcast::product_inventory {

// ---- catalog ----
SHOPCAST_PI_FORWARD(catalog, CreateProduct)
SHOPCAST_PI_FORWARD(catalog, GetProduct)
SHOPCAST_PI_FORWARD(catalog, UpdateProduct)
SHOPCAST_PI_FORWARD(catalog, ArchiveProduct)
SHOPCAST_PI_FORWARD(catalog, ListStreamProducts)
SHOPCAST_PI_FORWARD(catalog, ListMyProducts)
SHOPCAST_PI_FORWARD(catalog, ValidateProduct)
SHOPCAST_PI_FORWARD(catalog, SuggestBuyNowPrice)
SHOPCAST_PI_FORWARD(catalog, CreateProductType)
SHOPCAST_PI_FORWARD(catalog, GetProductType)
SHOPCAST_PI_FORWARD(catalog, ListProductTypes)
SHOPCAST_PI_FORWARD(catalog, UpdateProductType)
SHOPCAST_PI_FORWARD(catalog, ArchiveProductType)
SHOPCAST_PI_FORWARD(catalog, CreateShippingProfile)
SHOPCAST_PI_FORWARD(catalog, GetShippingProfile)
SHOPCAST_PI_FORWARD(catalog, ListShippingProfiles)
SHOPCAST_PI_FORWARD(catalog, UpdateShippingProfile)
SHOPCAST_PI_FORWARD(catalog, DeleteShippingProfile)

// ---- stock ----
SHOPCAST_PI_FORWARD(stock, GetStock)
SHOPCAST_PI_FORWARD(stock, AdjustStock)
SHOPCAST_PI_FORWARD(stock, ScheduleFlashSale)
SHOPCAST_PI_FORWARD(stock, EndFlashSale)
SHOPCAST_PI_FORWARD(stock, Reserve)
SHOPCAST_PI_FORWARD(stock, ReleaseReservation)
SHOPCAST_PI_FORWARD(stock, GetReservation)
SHOPCAST_PI_FORWARD(stock, ListMyReservations)

// ---- auctions ----
SHOPCAST_PI_FORWARD(auctions, StartAuction)
SHOPCAST_PI_FORWARD(auctions, PlaceBid)
SHOPCAST_PI_FORWARD(auctions, GetAuction)
SHOPCAST_PI_FORWARD(auctions, ListAuctions)
SHOPCAST_PI_FORWARD(auctions, ListBids)
SHOPCAST_PI_FORWARD(auctions, BuyNow)
SHOPCAST_PI_FORWARD(auctions, CloseAuction)

// ---- pins ----
SHOPCAST_PI_FORWARD(pins, PinProduct)
SHOPCAST_PI_FORWARD(pins, UnpinProduct)
SHOPCAST_PI_FORWARD(pins, ListPinnedProducts)

// ---- product_images ----
SHOPCAST_PI_FORWARD(product_images, UploadProductImage)
SHOPCAST_PI_FORWARD(product_images, DeleteProductImage)
SHOPCAST_PI_FORWARD(product_images, GetProductImage)

// ---- lottery ----
SHOPCAST_PI_FORWARD(lottery, StartLottery)
SHOPCAST_PI_FORWARD(lottery, EnterLottery)
SHOPCAST_PI_FORWARD(lottery, GetLottery)
SHOPCAST_PI_FORWARD(lottery, ListLotteries)
SHOPCAST_PI_FORWARD(lottery, DrawLottery)
SHOPCAST_PI_FORWARD(lottery, CancelLottery)
// ---- queue ----
SHOPCAST_PI_FORWARD(queue, ConfigureQueue)
SHOPCAST_PI_FORWARD(queue, Enqueue)
SHOPCAST_PI_FORWARD(queue, GetQueuePosition)
SHOPCAST_PI_FORWARD(queue, LeaveQueue)
SHOPCAST_PI_FORWARD(queue, ClaimQueueOffer)

}  // namespace shopcast::product_inventory
