export { default } from "./packages/config/prettier.js";
