import type { FastifyInstance } from "fastify";
import { renderHome } from "./views/home.ts";

export async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get("/", async (_request, reply) => reply.render(renderHome));
}
