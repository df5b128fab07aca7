export { fc } from "@own6/testing";
