package certs

import (
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// HasCA reports whether dir holds a CA certificate and its key, as
// Generate writes them.
func HasCA(dir string) bool {
	_, errCert := os.Stat(filepath.Join(dir, CAFile))
	_, errKey := os.Stat(filepath.Join(dir, CAKeyFile))
	return errCert == nil && errKey == nil
}

// Reissue writes a new server certificate for hosts and a new default
// client certificate into dir, signed by the CA already there, replacing
// the old ones. Clients keep trusting the server and the server keeps
// trusting every client certificate the CA signed: nothing else needs to
// change. The new certificates do not outlive the CA.
func Reissue(dir string, hosts []string, validFor time.Duration) (notAfter time.Time, err error) {
	ca, caKey, err := loadCA(dir)
	if err != nil {
		return time.Time{}, err
	}
	srv, notAfter, err := serverTemplate(hosts, validFor, ca)
	if err != nil {
		return time.Time{}, err
	}
	if err := issueReplacing(dir, ServerCertFile, ServerKeyFile, srv, ca, caKey); err != nil {
		return time.Time{}, err
	}
	cli := clientTemplate("dockerproxy client", notAfter)
	return notAfter, issueReplacing(dir, ClientCertFile, ClientKeyFile, cli, ca, caKey)
}

// IssueClient writes a client certificate whose subject common name is
// name, signed by the CA in caDir, into outDir in the DOCKER_CERT_PATH
// layout (ca.pem, cert.pem, key.pem). The name is the client's identity in
// logs, limits and profiles. It refuses to overwrite files.
func IssueClient(caDir, outDir, name string, validFor time.Duration) (notAfter time.Time, err error) {
	if name == "" {
		return time.Time{}, errors.New("gen-certs: empty client name")
	}
	ca, caKey, err := loadCA(caDir)
	if err != nil {
		return time.Time{}, err
	}
	for _, f := range []string{CAFile, ClientCertFile, ClientKeyFile} {
		if _, err := os.Stat(filepath.Join(outDir, f)); err == nil {
			return time.Time{}, fmt.Errorf("gen-certs: %s already exists; remove it or choose another directory", filepath.Join(outDir, f))
		}
	}
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return time.Time{}, err
	}
	notAfter = clamp(time.Now().Add(validFor), ca)
	if err := writePEM(filepath.Join(outDir, CAFile), "CERTIFICATE", ca.Raw, 0o644); err != nil {
		return time.Time{}, err
	}
	return notAfter, issue(outDir, ClientCertFile, ClientKeyFile, clientTemplate(name, notAfter), ca, caKey)
}

func loadCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certs, err := readCerts(filepath.Join(dir, CAFile))
	if err != nil {
		return nil, nil, fmt.Errorf("gen-certs: CA certificate: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, nil, fmt.Errorf("gen-certs: CA key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, nil, fmt.Errorf("gen-certs: no PEM block in %s", filepath.Join(dir, CAKeyFile))
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("gen-certs: CA key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("gen-certs: CA key is %T, want ECDSA", k)
	}
	ca := certs[0]
	if !key.PublicKey.Equal(ca.PublicKey) {
		return nil, nil, errors.New("gen-certs: ca-key.pem does not belong to ca.pem")
	}
	if time.Now().After(ca.NotAfter) {
		return nil, nil, fmt.Errorf("gen-certs: the CA expired on %s; make a new one in another directory", ca.NotAfter.Format(time.DateOnly))
	}
	return ca, key, nil
}

// clamp keeps a certificate's end within its CA's.
func clamp(notAfter time.Time, ca *x509.Certificate) time.Time {
	if notAfter.After(ca.NotAfter) {
		return ca.NotAfter
	}
	return notAfter
}

func serverTemplate(hosts []string, validFor time.Duration, ca *x509.Certificate) (*x509.Certificate, time.Time, error) {
	if len(hosts) == 0 {
		return nil, time.Time{}, errors.New("gen-certs: at least one host name or IP is needed")
	}
	now := time.Now().Add(-5 * time.Minute)
	notAfter := now.Add(validFor)
	if ca != nil {
		notAfter = clamp(notAfter, ca)
	}
	srv := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			srv.IPAddresses = append(srv.IPAddresses, ip)
		} else {
			srv.DNSNames = append(srv.DNSNames, h)
		}
	}
	return srv, notAfter, nil
}

func clientTemplate(name string, notAfter time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-5 * time.Minute),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

// issueReplacing issues into temporary files and renames them over the
// old ones, so that a failure leaves the old pair in place.
func issueReplacing(dir, certName, keyName string, tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) error {
	tmp, err := os.MkdirTemp(dir, ".reissue")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := issue(tmp, certName, keyName, tmpl, ca, caKey); err != nil {
		return err
	}
	// Key first: a server reloading in between would pair the old
	// certificate with the new key and refuse to load, keeping the old set.
	if err := os.Rename(filepath.Join(tmp, keyName), filepath.Join(dir, keyName)); err != nil {
		return err
	}
	return os.Rename(filepath.Join(tmp, certName), filepath.Join(dir, certName))
}
