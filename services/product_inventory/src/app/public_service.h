#pragma once

// The public ProductInventoryService: one gRPC class whose methods forward to the areas that
// implement them (catalog, stock, auctions, pins). Each area keeps its logic and state; this
// class only routes. Methods no area overrides answer UNIMPLEMENTED (the generated default).

#include "shopcast/product_inventory/v1/product_inventory.grpc.pb.h"

// ---- area headers: catalog ----
#include "catalog/catalog_rpcs.h"

// ---- area headers: stock ----
#include "stock/stock_rpcs.h"

// ---- area headers: auctions ----
#include "auctions/auction_rpcs.h"

// ---- area headers: pins ----
#include "pins/pins_rpcs.h"

// ---- area headers: product_images ----
#include "product_images/product_images_rpcs.h"

// ---- area headers: lottery ----
#include "lottery/lottery_rpcs.h"
// ---- area headers: queue ----
#include "queue/queue_rpcs.h"

// Declares the override of unary `Method` (request and response named after it).
#define SHOPCAST_PI_UNARY(Method)                                      \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx,   \
                                   const v1::Method##Request* request, \
                                   v1::Method##Response* response) override

namespace shopcast::product_inventory {

// The areas' handlers; those left null are not served (UNIMPLEMENTED).
struct PublicAreas {
  // ---- catalog ----
  catalog::CatalogRpcs* catalog = nullptr;

  // ---- stock ----
  stock::StockRpcs* stock = nullptr;

  // ---- auctions ----
  auctions::AuctionRpcs* auctions = nullptr;

  // ---- pins ----
  pins::PinsRpcs* pins = nullptr;

  // ---- product_images ----
  product_images::ProductImagesRpcs* product_images = nullptr;

  // ---- lottery ----
  lottery::LotteryRpcs* lottery = nullptr;
  // ---- queue ----
  queue::QueueRpcs* queue = nullptr;
};

class PublicService : public v1::ProductInventoryService::CallbackService {
 public:
  explicit PublicService(PublicAreas areas) : areas_(areas) {}

  // ---- catalog ----
  SHOPCAST_PI_UNARY(CreateProduct);
  SHOPCAST_PI_UNARY(GetProduct);
  SHOPCAST_PI_UNARY(UpdateProduct);
  SHOPCAST_PI_UNARY(ArchiveProduct);
  SHOPCAST_PI_UNARY(ListStreamProducts);
  SHOPCAST_PI_UNARY(ListMyProducts);
  SHOPCAST_PI_UNARY(ValidateProduct);
  SHOPCAST_PI_UNARY(SuggestBuyNowPrice);
  SHOPCAST_PI_UNARY(CreateProductType);
  SHOPCAST_PI_UNARY(GetProductType);
  SHOPCAST_PI_UNARY(ListProductTypes);
  SHOPCAST_PI_UNARY(UpdateProductType);
  SHOPCAST_PI_UNARY(ArchiveProductType);
  SHOPCAST_PI_UNARY(CreateShippingProfile);
  SHOPCAST_PI_UNARY(GetShippingProfile);
  SHOPCAST_PI_UNARY(ListShippingProfiles);
  SHOPCAST_PI_UNARY(UpdateShippingProfile);
  SHOPCAST_PI_UNARY(DeleteShippingProfile);

  // ---- stock ----
  SHOPCAST_PI_UNARY(GetStock);
  SHOPCAST_PI_UNARY(AdjustStock);
  SHOPCAST_PI_UNARY(ScheduleFlashSale);
  SHOPCAST_PI_UNARY(EndFlashSale);
  SHOPCAST_PI_UNARY(Reserve);
  SHOPCAST_PI_UNARY(ReleaseReservation);
  SHOPCAST_PI_UNARY(GetReservation);
  SHOPCAST_PI_UNARY(ListMyReservations);

  // ---- auctions ----
  SHOPCAST_PI_UNARY(StartAuction);
  SHOPCAST_PI_UNARY(PlaceBid);
  SHOPCAST_PI_UNARY(GetAuction);
  SHOPCAST_PI_UNARY(ListAuctions);
  SHOPCAST_PI_UNARY(ListBids);
  SHOPCAST_PI_UNARY(BuyNow);
  SHOPCAST_PI_UNARY(CloseAuction);

  // ---- pins ----
  SHOPCAST_PI_UNARY(PinProduct);
  SHOPCAST_PI_UNARY(UnpinProduct);
  SHOPCAST_PI_UNARY(ListPinnedProducts);

  // ---- product_images ----
  SHOPCAST_PI_UNARY(UploadProductImage);
  SHOPCAST_PI_UNARY(DeleteProductImage);
  SHOPCAST_PI_UNARY(GetProductImage);

  // ---- lottery ----
  SHOPCAST_PI_UNARY(StartLottery);
  SHOPCAST_PI_UNARY(EnterLottery);
  SHOPCAST_PI_UNARY(GetLottery);
  SHOPCAST_PI_UNARY(ListLotteries);
  SHOPCAST_PI_UNARY(DrawLottery);
  SHOPCAST_PI_UNARY(CancelLottery);
  // ---- queue ----
  SHOPCAST_PI_UNARY(ConfigureQueue);
  SHOPCAST_PI_UNARY(Enqueue);
  SHOPCAST_PI_UNARY(GetQueuePosition);
  SHOPCAST_PI_UNARY(LeaveQueue);
  SHOPCAST_PI_UNARY(ClaimQueueOffer);

 private:
  PublicAreas areas_;
};

}  // namespace shopcast::product_inventory
