export { describeAsRoot } from "@own6/testing";
