package server

import (
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/pkg/authn"
)

// authenticationConfigMap is where kube-apiserver publishes the CAs of its
// clients and of its front proxy for extension API servers.
const authenticationConfigMap = "extension-apiserver-authentication"

// pinClientCA creates the client CA provider the delegating authentication
// options would create inside ApplyTo (from --client-ca-file, or from the
// cluster's authentication ConfigMap), and hands it to them, so that the
// serving layer loads and reloads the very provider our certificate
// authenticator reads. It returns nil when there is no client CA.
func (o *Options) pinClientCA() (dynamiccertificates.CAContentProvider, error) {
	a := o.RecommendedOptions.Authentication
	if a == nil {
		return nil, nil
	}
	if a.ClientCert.ClientCA != "" || a.ClientCert.CAContentProvider != nil {
		provider, err := a.ClientCert.GetClientCAContentProvider()
		if err != nil {
			return nil, err
		}
		a.ClientCert.CAContentProvider = provider
		return provider, nil
	}
	if a.SkipInClusterLookup {
		return nil, nil
	}
	config, err := o.authenticationClientConfig()
	if err != nil || config == nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	provider, err := dynamiccertificates.NewDynamicCAFromConfigMapController("client-ca", metav1.NamespaceSystem, authenticationConfigMap, "client-ca-file", client)
	if err != nil {
		return nil, fmt.Errorf("client CA from configmap %s/%s: %w", metav1.NamespaceSystem, authenticationConfigMap, err)
	}
	a.ClientCert.CAContentProvider = provider
	return provider, nil
}

// authenticationClientConfig reaches the cluster that authenticates, as the
// delegating authentication options do: --authentication-kubeconfig, else
// in-cluster, else (when optional) none.
func (o *Options) authenticationClientConfig() (*rest.Config, error) {
	a := o.RecommendedOptions.Authentication
	if a.RemoteKubeConfigFile != "" {
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: a.RemoteKubeConfigFile}
		return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	}
	config, err := rest.InClusterConfig()
	if errors.Is(err, rest.ErrNotInCluster) && a.RemoteKubeConfigFileOptional {
		return nil, nil
	}
	return config, err
}

// fastCertificateAuthentication puts our caching certificate authenticators
// in front of the one ApplyTo built, which still decides every request they
// do not authenticate.
func fastCertificateAuthentication(serverConfig *genericapiserver.RecommendedConfig, clientCA dynamiccertificates.CAContentProvider) authenticator.Request {
	verified := authn.NewVerifiedChains(4096, 10*time.Minute)
	var certificates []authenticator.Request
	if rh := serverConfig.Authentication.RequestHeaderConfig; rh != nil {
		certificates = append(certificates, authn.RequestHeader(rh, verified))
	}
	if clientCA != nil {
		certificates = append(certificates, authn.ClientCertificate(clientCA, verified))
	}
	return authn.CertificatesFirst(serverConfig.Authentication.Authenticator, certificates...)
}
