/** The home page, which presents Guichet's services. */
import type { GuichetModule } from "../kernel/module.ts";
import { homeRoutes } from "./routes.ts";

export const homeModule: GuichetModule = {
  name: "home",
  routes: homeRoutes,
  nav: [{ href: "/", label: { fr: "Accueil", en: "Home" } }],
};
