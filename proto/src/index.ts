// The public surface of the generated contracts. Generated code lives in
// ../gen (made by `npm run gen`); never edit it by hand.
export { ThreadEvent, ThreadEventBatch, ThreadCreated, ThreadDestroyed, AdministratorIdsJoined, AdministratorIdsLeft, MemberIdsJoined, MemberIdsLeft, AddedMessage, MessagesAdded, MessagesRemoved } from "../gen/threadweaver/v1/events.js";
export { Thread, Message } from "../gen/threadweaver/v1/thread.js";
export { ThreadSnapshot, SnapshotMessage, RememberedRequest } from "../gen/threadweaver/v1/snapshot.js";
export { CreateThreadRequest, CreateThreadResponse, DestroyThreadRequest, DestroyThreadResponse, JoinAdministratorIdsRequest, JoinAdministratorIdsResponse, LeaveAdministratorIdsRequest, LeaveAdministratorIdsResponse, JoinMemberIdsRequest, JoinMemberIdsResponse, LeaveMemberIdsRequest, LeaveMemberIdsResponse, NewMessage, AddMessagesRequest, AddMessagesResponse, RemoveMessagesRequest, RemoveMessagesResponse, ThreadCommandServiceService, ThreadCommandServiceClient } from "../gen/threadweaver/v1/thread_command_service.js";
export type { ThreadCommandServiceServer } from "../gen/threadweaver/v1/thread_command_service.js";
export { GetThreadRequest, GetThreadResponse, ListThreadsRequest, ListThreadsResponse, ListAdministratorIdsRequest, ListAdministratorIdsResponse, ListMemberIdsRequest, ListMemberIdsResponse, ListMessagesRequest, ListMessagesResponse, WatchThreadRequest, WatchThreadResponse, ThreadQueryServiceService, ThreadQueryServiceClient } from "../gen/threadweaver/v1/thread_query_service.js";
export type { ThreadQueryServiceServer } from "../gen/threadweaver/v1/thread_query_service.js";

/** Path of the FileDescriptorSet of every contract (with imports), for reflection and the REST edge. */
export const descriptorSetPath: string = new URL("../../gen/descriptors.binpb", import.meta.url).pathname;
