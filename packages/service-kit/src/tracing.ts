import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { createAzureSdkInstrumentation } from '@azure/opentelemetry-instrumentation-azure-sdk';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { envReader } from './config.js';
import { ConfigError } from './errors.js';
import { OWN_ROOT, setTracingActive } from './tracing-spans.js';

type Env = Record<string, string | undefined>;

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracingConfig {
  /** Where spans go (`…/v1/traces`); undefined: tracing is off and nothing is exported. */
  readonly tracesUrl: string | undefined;
  readonly protocol: OtlpProtocol;
  /** Share of new traces kept (OTEL_TRACES_SAMPLER_ARG); children follow their parent's decision. */
  readonly ratio: number;
  readonly serviceName: string;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports what is buffered and stops; the last shutdown step. */
  shutdown(): Promise<void>;
}

/**
 * Reads the standard OpenTelemetry variables once. Tracing is on only when an OTLP
 * endpoint is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or OTEL_EXPORTER_OTLP_ENDPOINT
 * plus `/v1/traces`) and OTEL_SDK_DISABLED is not true. gRPC is not built in.
 */
export function loadTracingConfig(service: string, env: Env): TracingConfig {
  const read = envReader(env);
  const disabled = read.bool('OTEL_SDK_DISABLED', false);
  const signal = read.optionalString('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = read.optionalString('OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesUrl = signal
    ? read.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
    : base
      ? `${read.url('OTEL_EXPORTER_OTLP_ENDPOINT').replace(/\/+$/, '')}/v1/traces`
      : undefined;
  const protocol = read.oneOf('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', ['http/protobuf', 'http/json', 'grpc'], read.oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', ['http/protobuf', 'http/json', 'grpc'], 'http/protobuf'));
  if (protocol === 'grpc' && tracesUrl && !disabled) {
    throw new ConfigError('OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc is not built in; use http/protobuf (port 4318) or http/json');
  }
  const ratioText = read.optionalString('OTEL_TRACES_SAMPLER_ARG');
  const ratio = ratioText === undefined ? 1 : Number(ratioText);
  if (!(ratio >= 0 && ratio <= 1)) throw new ConfigError('OTEL_TRACES_SAMPLER_ARG', `must be a ratio between 0 and 1, got "${ratioText}"`);
  return {
    tracesUrl: disabled ? undefined : tracesUrl,
    protocol: protocol === 'grpc' ? 'http/protobuf' : protocol,
    ratio,
    serviceName: read.string('OTEL_SERVICE_NAME', service),
  };
}

/**
 * Keeps a trace only if Parley started it. The Azure SDKs open root spans of their own
 * for every idle receive poll, token refresh and link management call: thousands of
 * one-span traces that say nothing. Inside a Parley trace their spans are kept.
 */
class OwnRootsSampler implements Sampler {
  private readonly ratio: Sampler;
  constructor(ratio: number) {
    this.ratio = new TraceIdRatioBasedSampler(ratio);
  }
  shouldSample(parent: Context, traceId: string, ...rest: unknown[]): SamplingResult {
    if (parent.getValue(OWN_ROOT) !== true) return { decision: SamplingDecision.NOT_RECORD };
    return (this.ratio.shouldSample as (...args: unknown[]) => SamplingResult)(parent, traceId, ...rest);
  }
  toString(): string {
    return `OwnRoots{${this.ratio.toString()}}`;
  }
}

let current: Tracing | undefined;

/**
 * Starts the OpenTelemetry SDK for one service: W3C trace context, async-hooks context,
 * a batch exporter over OTLP/HTTP, and the Azure SDK instrumentation (Service Bus and
 * Tables spans inside our traces). When no endpoint is configured nothing is registered:
 * the API's no-op tracer answers every call and the span helpers skip even that.
 */
export function startTracing(service: string, env: Env = process.env): Tracing {
  if (current) return current;
  const config = loadTracingConfig(service, env);
  if (!config.tracesUrl) return { enabled: false, shutdown: async () => undefined };

  const Exporter = config.protocol === 'http/json' ? JsonExporter : ProtobufExporter;
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: config.serviceName,
    // Incubating semantic conventions (no stable constant yet): the pod name in AKS.
    'service.namespace': 'parley',
    'service.instance.id': `${env.HOSTNAME ?? hostname()}-${process.pid}`,
  }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new OwnRootsSampler(config.ratio) }),
    spanProcessors: [new BatchSpanProcessor(new Exporter({ url: config.tracesUrl }))],
  });
  provider.register();
  const azure = createAzureSdkInstrumentation();
  registerInstrumentations({ tracerProvider: provider, instrumentations: [azure] });
  // The instrumentation patches @azure/core-tracing when it is required. Our code and the
  // SDKs load it as ESM; requiring the CommonJS build here runs the patch, and the ESM
  // build shares its instrumenter state with the CommonJS one (tshy module-local state).
  createRequire(import.meta.url)('@azure/core-tracing');
  setTracingActive(true);

  current = {
    enabled: true,
    async shutdown() {
      setTracingActive(false);
      current = undefined;
      azure.disable();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  return current;
}
