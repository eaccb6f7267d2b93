export type { Build, BuildIntake, BuildOrigin, BuildSource } from "./build.js";
export { buildFromPackageEvent } from "./package-event.js";
export type { PackageEventName } from "./package-event.js";
export { BUILD_EVENT_TYPE, buildFromDispatch } from "./dispatch.js";
export { MAX_REPOSITORIES, buildFromWebhookBody } from "./webhook-body.js";
export { describeBuild } from "./render-build.js";
