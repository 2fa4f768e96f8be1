import { KubeConfig } from '@kubernetes/client-node';

/**
 * Where the Kubernetes API and its credentials come from:
 * - `in-cluster`: the pod's service account (token, CA, KUBERNETES_SERVICE_HOST);
 * - `kubeconfig`: the developer's kubeconfig (KUBECONFIG or ~/.kube/config);
 * - `{ server }`: an explicit URL with no credentials, for tests.
 */
export type KubernetesApiSource = 'in-cluster' | 'kubeconfig' | { readonly server: string };

/** Builds the client library's configuration for a {@link KubernetesApiSource}. */
export function loadKubeConfig(source: KubernetesApiSource): KubeConfig {
  const config = new KubeConfig();
  if (source === 'in-cluster') {
    config.loadFromCluster();
  } else if (source === 'kubeconfig') {
    config.loadFromDefault();
  } else {
    // The client refuses plain http unless TLS verification is off; there is
    // no TLS to verify then, while an https server stays verified.
    const plainHttp = source.server.startsWith('http:');
    config.loadFromOptions({
      clusters: [{ name: 'explicit', server: source.server, skipTLSVerify: plainHttp }],
      users: [{ name: 'anonymous' }],
      contexts: [{ name: 'explicit', cluster: 'explicit', user: 'anonymous' }],
      currentContext: 'explicit',
    });
  }
  return config;
}
