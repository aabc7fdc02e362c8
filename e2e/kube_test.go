package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oomguard/oomguard/internal/crd"
)

// cluster is a kube-apiserver with its etcd, on loopback, and kubectl
// set up to talk to it as a cluster admin.
type cluster struct {
	kubectl    string
	kubeconfig string
	cacheDir   string
}

// startCluster starts etcd and a kube-apiserver built from the pinned
// Kubernetes, serving TLS with a CA of the test's own, and installs the
// project's PrometheusRule CRD.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	etcdBin := tool(t, "OOMGUARD_ETCD", "etcd")
	apiserverBin := tool(t, "OOMGUARD_KUBE_APISERVER", "kube-apiserver")
	kubectlBin := tool(t, "OOMGUARD_KUBECTL", "kubectl")
	dir := t.TempDir()

	clientAddr, peerAddr := freePort(t), freePort(t)
	etcd := startProcess(t, "etcd", etcdBin,
		"--name=e2e",
		"--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls=http://"+clientAddr,
		"--advertise-client-urls=http://"+clientAddr,
		"--listen-peer-urls=http://"+peerAddr,
		"--initial-advertise-peer-urls=http://"+peerAddr,
		"--initial-cluster=e2e=http://"+peerAddr,
		"--log-level=warn",
	)
	etcd.url = "http://" + clientAddr
	waitFor(t, 60*time.Second, "etcd to be healthy", func() (bool, string) {
		resp, err := http.Get(etcd.url + "/health")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		var h struct {
			Health string `json:"health"`
		}
		if err := jsonDecode(resp.Body, &h); err != nil {
			return false, err.Error()
		}
		return h.Health == "true", "health: " + h.Health
	})

	pki := newPKI(t, dir)
	token := base64.RawURLEncoding.EncodeToString(randomBytes(t, 24))
	tokenFile := filepath.Join(dir, "tokens.csv")
	writeFile(t, tokenFile, []byte(token+`,e2e-admin,e2e-admin,"system:masters"`+"\n"))

	addr := freePort(t)
	host, port, _ := net.SplitHostPort(addr)
	api := startProcess(t, "kube-apiserver", apiserverBin,
		"--etcd-servers="+etcd.url,
		"--bind-address="+host,
		"--advertise-address="+host,
		"--secure-port="+port,
		"--tls-cert-file="+pki.servingCert,
		"--tls-private-key-file="+pki.servingKey,
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--token-auth-file="+tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+pki.saKey,
		"--service-account-signing-key-file="+pki.saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		// On loopback the default reconciler would publish 127.0.0.1 as
		// the kubernetes service's endpoint, which the apiserver refuses.
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false",
	)
	api.url = "https://" + addr

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pki.caPEM)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	waitFor(t, 120*time.Second, "kube-apiserver to be ready", func() (bool, string) {
		req, _ := http.NewRequest("GET", api.url+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		return resp.StatusCode == 200, resp.Status
	})

	c := &cluster{kubectl: kubectlBin, kubeconfig: filepath.Join(dir, "kubeconfig"), cacheDir: filepath.Join(dir, "kube-cache")}
	writeFile(t, c.kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
  - name: e2e
    cluster:
      server: %s
      certificate-authority-data: %s
users:
  - name: e2e-admin
    user:
      token: %s
contexts:
  - name: e2e
    context: {cluster: e2e, user: e2e-admin}
current-context: e2e
`, api.url, base64.StdEncoding.EncodeToString(pki.caPEM), token))

	crdFile := filepath.Join(dir, "prometheusrules-crd.yaml")
	writeFile(t, crdFile, crd.Manifest())
	c.mustRun(t, "apply", "--server-side", "-f", crdFile)
	c.mustRun(t, "wait", "--for=condition=Established", "--timeout=60s", "crd/prometheusrules.monitoring.coreos.com")
	return c
}

// run runs kubectl against the cluster.
func (c *cluster) run(args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(c.kubectl, append([]string{"--kubeconfig=" + c.kubeconfig, "--cache-dir=" + c.cacheDir}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(c.kubeconfig))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func (c *cluster) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// pki holds the files of the test cluster's keys and certificates.
type pki struct {
	caPEM                   []byte
	servingCert, servingKey string
	saKey                   string
}

func newPKI(t *testing.T, dir string) pki {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	keyPEM := func(k *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b})
	}
	now := time.Now()
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "oomguard-e2e-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	serveKey := newKey()
	serveTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	serveDER, err := x509.CreateCertificate(rand.Reader, serveTmpl, ca, &serveKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	p := pki{
		caPEM:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		servingCert: filepath.Join(dir, "serving.crt"),
		servingKey:  filepath.Join(dir, "serving.key"),
		saKey:       filepath.Join(dir, "service-account.key"),
	}
	writeFile(t, p.servingCert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serveDER}))
	writeFile(t, p.servingKey, keyPEM(serveKey))
	writeFile(t, p.saKey, keyPEM(newKey()))
	return p
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
