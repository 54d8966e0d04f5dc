// Typed wrappers over the JSON API, one per RPC the app uses. Request and response types are the
// generated proto types; the path is `/api/v1/<service>/<Method>`.
import { apiClient, type CallOptions } from './client';
import type * as T from './types';

function rpc<Req, Res>(service: string, method: string) {
  return (req: Req, opts?: CallOptions) => apiClient.call<Res>(service, method, req, opts);
}

export const Gateway = {
  GetServerInfo: rpc<T.GetServerInfoRequest, T.GetServerInfoResponse>('gateway', 'GetServerInfo'),
  GetClientConfig: rpc<T.GetClientConfigRequest, T.GetClientConfigResponse>('gateway', 'GetClientConfig'),
};

export const User = {
  Register: rpc<T.RegisterRequest, T.RegisterResponse>('user', 'Register'),
  Login: rpc<T.LoginRequest, T.LoginResponse>('user', 'Login'),
  Refresh: rpc<T.RefreshRequest, T.RefreshResponse>('user', 'Refresh'),
  Logout: rpc<T.LogoutRequest, T.LogoutResponse>('user', 'Logout'),
  ChangePassword: rpc<T.ChangePasswordRequest, T.ChangePasswordResponse>('user', 'ChangePassword'),
  RequestPasswordReset: rpc<T.RequestPasswordResetRequest, T.RequestPasswordResetResponse>('user', 'RequestPasswordReset'),
  ResetPassword: rpc<T.ResetPasswordRequest, T.ResetPasswordResponse>('user', 'ResetPassword'),
  VerifyEmail: rpc<T.VerifyEmailRequest, T.VerifyEmailResponse>('user', 'VerifyEmail'),
  RequestEmailVerification: rpc<T.RequestEmailVerificationRequest, T.RequestEmailVerificationResponse>(
    'user',
    'RequestEmailVerification',
  ),
  GetMe: rpc<T.GetMeRequest, T.GetMeResponse>('user', 'GetMe'),
  GetUser: rpc<T.GetUserRequest, T.GetUserResponse>('user', 'GetUser'),
  SetRole: rpc<T.SetRoleRequest, T.SetRoleResponse>('user', 'SetRole'),
  Follow: rpc<T.FollowRequest, T.FollowResponse>('user', 'Follow'),
  Unfollow: rpc<T.UnfollowRequest, T.UnfollowResponse>('user', 'Unfollow'),
  ListFollowing: rpc<T.ListFollowingRequest, T.ListFollowingResponse>('user', 'ListFollowing'),
  UpdateProfile: rpc<T.UpdateProfileRequest, T.UpdateProfileResponse>('user', 'UpdateProfile'),
  GetNotificationPreferences: rpc<T.GetNotificationPreferencesRequest, T.GetNotificationPreferencesResponse>(
    'user',
    'GetNotificationPreferences',
  ),
  UpdateNotificationPreferences: rpc<T.UpdateNotificationPreferencesRequest, T.UpdateNotificationPreferencesResponse>(
    'user',
    'UpdateNotificationPreferences',
  ),
  DeleteAccount: rpc<T.DeleteAccountRequest, T.DeleteAccountResponse>('user', 'DeleteAccount'),
};

export const Video = {
  CreateStream: rpc<T.CreateStreamRequest, T.CreateStreamResponse>('video-ingest', 'CreateStream'),
  RotateStreamKey: rpc<T.RotateStreamKeyRequest, T.RotateStreamKeyResponse>('video-ingest', 'RotateStreamKey'),
  GetStream: rpc<T.GetStreamRequest, T.GetStreamResponse>('video-ingest', 'GetStream'),
  ListLiveStreams: rpc<T.ListLiveStreamsRequest, T.ListLiveStreamsResponse>('video-ingest', 'ListLiveStreams'),
  ListUpcomingStreams: rpc<T.ListUpcomingStreamsRequest, T.ListUpcomingStreamsResponse>(
    'video-ingest',
    'ListUpcomingStreams',
  ),
  ListMyStreams: rpc<T.ListMyStreamsRequest, T.ListMyStreamsResponse>('video-ingest', 'ListMyStreams'),
  EndStream: rpc<T.EndStreamRequest, T.EndStreamResponse>('video-ingest', 'EndStream'),
  GetPlaybackToken: rpc<T.GetPlaybackTokenRequest, T.GetPlaybackTokenResponse>('video-ingest', 'GetPlaybackToken'),
};

const RL = 'recording-lifecycle';
export const Recordings = {
  GetRecording: rpc<T.GetRecordingRequest, T.GetRecordingResponse>(RL, 'GetRecording'),
  ListMoments: rpc<T.ListMomentsRequest, T.ListMomentsResponse>(RL, 'ListMoments'),
  GetPlaybackUrl: rpc<T.GetPlaybackUrlRequest, T.GetPlaybackUrlResponse>(RL, 'GetPlaybackUrl'),
};

const PI = 'product-inventory';
export const Products = {
  CreateProduct: rpc<T.CreateProductRequest, T.CreateProductResponse>(PI, 'CreateProduct'),
  GetProduct: rpc<T.GetProductRequest, T.GetProductResponse>(PI, 'GetProduct'),
  UpdateProduct: rpc<T.UpdateProductRequest, T.UpdateProductResponse>(PI, 'UpdateProduct'),
  ListStreamProducts: rpc<T.ListStreamProductsRequest, T.ListStreamProductsResponse>(PI, 'ListStreamProducts'),
  ValidateProduct: rpc<T.ValidateProductRequest, T.ValidateProductResponse>(PI, 'ValidateProduct'),
  SuggestBuyNowPrice: rpc<T.SuggestBuyNowPriceRequest, T.SuggestBuyNowPriceResponse>(PI, 'SuggestBuyNowPrice'),
  ScheduleFlashSale: rpc<T.ScheduleFlashSaleRequest, T.ScheduleFlashSaleResponse>(PI, 'ScheduleFlashSale'),
  EndFlashSale: rpc<T.EndFlashSaleRequest, T.EndFlashSaleResponse>(PI, 'EndFlashSale'),
  Reserve: rpc<T.ReserveRequest, T.ReserveResponse>(PI, 'Reserve'),
  ReleaseReservation: rpc<T.ReleaseReservationRequest, T.ReleaseReservationResponse>(PI, 'ReleaseReservation'),
  GetReservation: rpc<T.GetReservationRequest, T.GetReservationResponse>(PI, 'GetReservation'),
  ConfigureQueue: rpc<T.ConfigureQueueRequest, T.ConfigureQueueResponse>(PI, 'ConfigureQueue'),
  Enqueue: rpc<T.EnqueueRequest, T.EnqueueResponse>(PI, 'Enqueue'),
  GetQueuePosition: rpc<T.GetQueuePositionRequest, T.GetQueuePositionResponse>(PI, 'GetQueuePosition'),
  LeaveQueue: rpc<T.LeaveQueueRequest, T.LeaveQueueResponse>(PI, 'LeaveQueue'),
  ClaimQueueOffer: rpc<T.ClaimQueueOfferRequest, T.ClaimQueueOfferResponse>(PI, 'ClaimQueueOffer'),
  StartAuction: rpc<T.StartAuctionRequest, T.StartAuctionResponse>(PI, 'StartAuction'),
  GetAuction: rpc<T.GetAuctionRequest, T.GetAuctionResponse>(PI, 'GetAuction'),
  PlaceBid: rpc<T.PlaceBidRequest, T.PlaceBidResponse>(PI, 'PlaceBid'),
  BuyNow: rpc<T.BuyNowRequest, T.BuyNowResponse>(PI, 'BuyNow'),
  StartLottery: rpc<T.StartLotteryRequest, T.StartLotteryResponse>(PI, 'StartLottery'),
  EnterLottery: rpc<T.EnterLotteryRequest, T.EnterLotteryResponse>(PI, 'EnterLottery'),
  GetLottery: rpc<T.GetLotteryRequest, T.GetLotteryResponse>(PI, 'GetLottery'),
  CloseAuction: rpc<T.CloseAuctionRequest, T.CloseAuctionResponse>(PI, 'CloseAuction'),
  AdjustStock: rpc<T.AdjustStockRequest, T.AdjustStockResponse>(PI, 'AdjustStock'),
  ArchiveProduct: rpc<T.ArchiveProductRequest, T.ArchiveProductResponse>(PI, 'ArchiveProduct'),
  ListPinnedProducts: rpc<T.ListPinnedProductsRequest, T.ListPinnedProductsResponse>(PI, 'ListPinnedProducts'),
  PinProduct: rpc<T.PinProductRequest, T.PinProductResponse>(PI, 'PinProduct'),
  UnpinProduct: rpc<T.UnpinProductRequest, T.UnpinProductResponse>(PI, 'UnpinProduct'),
  CreateProductType: rpc<T.CreateProductTypeRequest, T.CreateProductTypeResponse>(PI, 'CreateProductType'),
  ListProductTypes: rpc<T.ListProductTypesRequest, T.ListProductTypesResponse>(PI, 'ListProductTypes'),
  ArchiveProductType: rpc<T.ArchiveProductTypeRequest, T.ArchiveProductTypeResponse>(PI, 'ArchiveProductType'),
  CreateShippingProfile: rpc<T.CreateShippingProfileRequest, T.CreateShippingProfileResponse>(
    PI,
    'CreateShippingProfile',
  ),
  ListShippingProfiles: rpc<T.ListShippingProfilesRequest, T.ListShippingProfilesResponse>(PI, 'ListShippingProfiles'),
};

export const Orders = {
  PlaceOrder: rpc<T.PlaceOrderRequest, T.PlaceOrderResponse>('order', 'PlaceOrder'),
  GetOrder: rpc<T.GetOrderRequest, T.GetOrderResponse>('order', 'GetOrder'),
  ListOrders: rpc<T.ListOrdersRequest, T.ListOrdersResponse>('order', 'ListOrders'),
  CancelOrder: rpc<T.CancelOrderRequest, T.CancelOrderResponse>('order', 'CancelOrder'),
  MarkOrderShipped: rpc<T.MarkOrderShippedRequest, T.MarkOrderShippedResponse>('order', 'MarkOrderShipped'),
  RefundOrder: rpc<T.RefundOrderRequest, T.RefundOrderResponse>('order', 'RefundOrder'),
  GetStreamSales: rpc<T.GetStreamSalesRequest, T.GetStreamSalesResponse>('order', 'GetStreamSales'),
};

export const Realtime = {
  GetRoomStats: rpc<T.GetRoomStatsRequest, T.GetRoomStatsResponse>('realtime-push', 'GetRoomStats'),
  DeleteChatMessage: rpc<T.DeleteChatMessageRequest, T.DeleteChatMessageResponse>('realtime-push', 'DeleteChatMessage'),
  MuteUser: rpc<T.MuteUserRequest, T.MuteUserResponse>('realtime-push', 'MuteUser'),
  ListNotifications: rpc<T.ListNotificationsRequest, T.ListNotificationsResponse>('realtime-push', 'ListNotifications'),
  MarkNotificationsRead: rpc<T.MarkNotificationsReadRequest, T.MarkNotificationsReadResponse>(
    'realtime-push',
    'MarkNotificationsRead',
  ),
};
