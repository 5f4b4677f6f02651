# sagascope: one image for the UI (npm start) and the collector (npm run collector).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENV SAGASCOPE_HOST=0.0.0.0
EXPOSE 3000 4317 4318
CMD ["npm", "start"]
