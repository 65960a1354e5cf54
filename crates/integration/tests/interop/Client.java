// The seed's Kotlin example, in Java: HttpsURLConnection with an SSLContext built from
// client-cert.pem and a PKCS#8 key loaded with KeyFactory.getInstance("RSA"). The seed's sample
// trusts the JVM's default roots; intoss's CA is added from ca.pem.
// Usage: java Client.java URL CA_PEM [CERT_PEM KEY_PEM]
// Prints the body; exits 0 on HTTP 200, 1 on another status, 2 on a connection error.
import java.io.ByteArrayInputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class Client {
    static X509Certificate loadCertificate(String path) throws Exception {
        String content = Files.readString(Path.of(path))
            .replace("-----BEGIN CERTIFICATE-----", "")
            .replace("-----END CERTIFICATE-----", "")
            .replaceAll("\\s", "");
        byte[] bytes = Base64.getDecoder().decode(content);
        return (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(bytes));
    }

    static PrivateKey loadPrivateKey(String path) throws Exception {
        String content = Files.readString(Path.of(path))
            .replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
        byte[] bytes = Base64.getDecoder().decode(content);
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(bytes));
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("intoss-ca", loadCertificate(args[1]));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);

        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore keyStore = KeyStore.getInstance(KeyStore.getDefaultType());
        keyStore.load(null, null);
        if (args.length > 3) {
            X509Certificate cert = loadCertificate(args[2]);
            PrivateKey key = loadPrivateKey(args[3]);
            keyStore.setCertificateEntry("client-cert", cert);
            keyStore.setKeyEntry("client-key", key, "".toCharArray(), new X509Certificate[] {cert});
        }
        kmf.init(keyStore, "".toCharArray());

        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        try {
            HttpsURLConnection connection = (HttpsURLConnection) new URL(url).openConnection();
            connection.setSSLSocketFactory(context.getSocketFactory());
            connection.setRequestMethod("GET");
            connection.setConnectTimeout(5000);
            connection.setReadTimeout(5000);
            int status = connection.getResponseCode();
            var stream = status == 200 ? connection.getInputStream() : connection.getErrorStream();
            System.out.println(new String(stream.readAllBytes()));
            connection.disconnect();
            System.exit(status == 200 ? 0 : 1);
        } catch (java.io.IOException e) {
            System.err.println("connection error: " + e);
            System.exit(2);
        }
    }
}
