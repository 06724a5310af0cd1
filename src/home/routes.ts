import type { FastifyInstance } from "fastify";
import type { ModuleDeps } from "../kernel/module.ts";
import { renderHome } from "./views/home.ts";
import { renderLegalPage } from "./views/legal.ts";

export async function homeRoutes(app: FastifyInstance, { config }: ModuleDeps): Promise<void> {
  const operator = { name: config.operator.name, contactEmail: config.operator.contactEmail };
  app.get("/", async (_request, reply) => reply.render(renderHome));
  app.get("/accessibilite", async (_request, reply) => reply.render(renderLegalPage("accessibility", operator)));
  app.get("/mentions-legales", async (_request, reply) => reply.render(renderLegalPage("legal", operator)));
  app.get("/donnees-personnelles", async (_request, reply) => reply.render(renderLegalPage("privacy", operator)));
}
