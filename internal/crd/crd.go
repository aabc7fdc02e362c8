// Package crd holds the Prometheus Operator's PrometheusRule
// CustomResourceDefinition and checks PrometheusRule objects against it the
// way a kube-apiserver serving that CRD checks a create request, with the
// apiserver's own code (k8s.io/apiextensions-apiserver):
//
//   - decoding: the request body is read by the apiserver's YAML/JSON
//     serializer in strict mode; fields the schema does not know are pruned,
//     nulls in non-nullable fields are dropped, metadata is coerced, and
//     schema defaults are applied;
//   - create: status is dropped (the CRD has a status subresource), a name is
//     generated from metadata.generateName, and an empty namespace is the
//     client's default namespace, "default";
//   - validation: kind and apiVersion, object metadata (a DNS-subdomain name,
//     namespace, labels, annotations, ...), the OpenAPI v3 schema (types,
//     patterns, enums, required fields), list types (unique group names),
//     and CEL x-kubernetes-validations rules if the CRD has any.
//
// Fields the schema does not know are not errors for the apiserver: it prunes
// them. They are reported apart, in [Result.StrictErrors], because
// `kubectl apply` asks for strict field validation by default and then the
// apiserver refuses the object for them.
//
// The CRD file is regenerated from the monitoring types pinned in go.mod by
// `make crd`; crds/README.md at the repository root says how.
package crd

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/api/operation"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured/unstructuredscheme"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage/names"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"sigs.k8s.io/yaml"
)

//go:embed monitoring.coreos.com_prometheusrules.yaml
var manifest []byte

// Manifest returns the CRD manifest, ready for `kubectl apply`.
func Manifest() []byte { return slices.Clone(manifest) }

// FieldError is one reason the apiserver refuses an object.
type FieldError struct {
	// Path is the JSON path of the field, like spec.groups[0].rules[1].for,
	// or "<nil>" as the apiserver has it for an error without one (the
	// anyOf summary of an int-or-string field of another type).
	Path string
	// Type is the apiserver's error type, like "Invalid value",
	// "Required value" or "Unsupported value".
	Type string
	// Message is what the apiserver says after the path: the type, the bad
	// value and the reason.
	Message string
}

// Error returns the message as the apiserver prints it.
func (e FieldError) Error() string { return e.Path + ": " + e.Message }

// Result is what the apiserver makes of an object.
type Result struct {
	// Errors are why the apiserver refuses the object (422 Invalid),
	// sorted by path.
	Errors []FieldError
	// StrictErrors are what strict field validation finds, in the
	// apiserver's words: unknown fields (`unknown field "spec.x"`) and
	// duplicate fields. With fieldValidation=Strict, kubectl's default, the
	// apiserver refuses the object for them; with Warn, the API's default,
	// they are warnings; with Ignore, nothing. Unknown fields are pruned in
	// every case and never stored.
	StrictErrors []string
}

// Validator checks PrometheusRule objects against the CRD. It is safe for
// concurrent use.
type Validator struct {
	gvk        schema.GroupVersionKind
	namespaced bool
	hasStatus  bool
	decoder    runtime.Decoder
	// jsonDecoder reads JSON as the apiserver does, without turning it
	// into YAML and back first.
	jsonDecoder runtime.Decoder
	structural  *structuralschema.Structural
	schema      apiservervalidation.SchemaCreateValidator
	cel         *cel.Validator // nil when the CRD has no CEL rules
}

// New reads the embedded CRD and prepares its schema as the apiserver does
// when it starts serving the CRD.
func New() (*Validator, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(manifest, &crd); err != nil {
		return nil, fmt.Errorf("PrometheusRule CRD: %w", err)
	}
	if n := len(crd.Spec.Versions); n != 1 || crd.Spec.Versions[0].Schema == nil {
		return nil, fmt.Errorf("PrometheusRule CRD: want one version with a schema, found %d versions", n)
	}
	version := crd.Spec.Versions[0]
	var validation apiextensions.CustomResourceValidation
	if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(version.Schema, &validation, nil); err != nil {
		return nil, fmt.Errorf("PrometheusRule CRD: %w", err)
	}
	structural, err := structuralschema.NewStructural(validation.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("PrometheusRule CRD: %w", err)
	}
	if err := structuraldefaulting.PruneDefaults(structural); err != nil {
		return nil, fmt.Errorf("PrometheusRule CRD: %w", err)
	}
	sv, _, err := apiservervalidation.NewSchemaValidator(validation.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("PrometheusRule CRD: %w", err)
	}
	return &Validator{
		gvk:        schema.GroupVersionKind{Group: crd.Spec.Group, Version: version.Name, Kind: crd.Spec.Names.Kind},
		namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		hasStatus:  version.Subresources != nil && version.Subresources.Status != nil,
		decoder: json.NewSerializerWithOptions(json.DefaultMetaFactory,
			unstructuredscheme.NewUnstructuredCreator(), unstructuredscheme.NewUnstructuredObjectTyper(),
			json.SerializerOptions{Yaml: true, Strict: true}),
		jsonDecoder: json.NewSerializerWithOptions(json.DefaultMetaFactory,
			unstructuredscheme.NewUnstructuredCreator(), unstructuredscheme.NewUnstructuredObjectTyper(),
			json.SerializerOptions{Strict: true}),
		structural: structural,
		schema:     sv,
		cel:        cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}, nil
}

var shared = sync.OnceValues(New)

// ValidatePrometheusRule checks one YAML or JSON document with a Validator
// built once for the process. See [Validator.Validate].
func ValidatePrometheusRule(doc []byte) (Result, error) {
	v, err := shared()
	if err != nil {
		return Result{}, err
	}
	return v.Validate(doc)
}

// Validate checks one YAML or JSON document, as the apiserver checks it as
// the body of a create request. The error is for a document that is no
// object at all (bad YAML, a list, a scalar); everything the apiserver
// would say about an object is in the Result.
func (v *Validator) Validate(doc []byte) (Result, error) {
	var res Result
	u := &unstructured.Unstructured{}
	dec := v.decoder
	if t := bytes.TrimLeft(doc, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		dec = v.jsonDecoder
	}
	_, _, err := dec.Decode(doc, nil, u)
	if strict, ok := runtime.AsStrictDecodingError(err); ok {
		for _, e := range strict.Errors() {
			res.StrictErrors = append(res.StrictErrors, e.Error())
		}
		err = nil
	}
	switch {
	case runtime.IsMissingKind(err):
		res.Errors = fieldErrors(field.ErrorList{field.Required(field.NewPath("kind"), "")})
		return res, nil
	case err != nil:
		return Result{}, err
	}

	unknown, errs := v.coerce(u)
	for _, path := range unknown {
		res.StrictErrors = append(res.StrictErrors, fmt.Sprintf("unknown field %q", path))
	}
	if len(errs) == 0 {
		structuraldefaulting.Default(u.Object, v.structural)
		errs = v.validateCreate(u)
	}
	res.Errors = fieldErrors(errs)
	return res, nil
}

// coerce does what the apiserver's decoder does after reading the body:
// prune unknown fields, drop nulls the schema does not allow, and coerce
// metadata, returning the paths of unknown fields.
func (v *Validator) coerce(u *unstructured.Unstructured) ([]string, field.ErrorList) {
	kind, foundKind, err := unstructured.NestedString(u.Object, "kind")
	if err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath("kind"), u.Object["kind"], err.Error())}
	}
	apiVersion, foundAPIVersion, err := unstructured.NestedString(u.Object, "apiVersion")
	if err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath("apiVersion"), u.Object["apiVersion"], err.Error())}
	}
	meta, foundMeta, unknown, err := schemaobjectmeta.GetObjectMetaWithOptions(u.Object, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath("metadata"), u.Object["metadata"], err.Error())}
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(field.NewPath("apiVersion"), apiVersion, err.Error())}
	}
	if gv.Group == v.gvk.Group && kind == v.gvk.Kind {
		unknown = append(unknown, structuralpruning.PruneWithOptions(u.Object, v.structural, true,
			structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
		structuraldefaulting.PruneNonNullableNullsWithoutDefaults(u.Object, v.structural)
		ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, u.Object, v.structural, false,
			schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
		if ferr != nil {
			return unknown, field.ErrorList{ferr}
		}
		unknown = append(unknown, paths...)
	}
	if foundKind {
		u.SetKind(kind)
	}
	if foundAPIVersion {
		u.SetAPIVersion(apiVersion)
	}
	if foundMeta {
		if err := schemaobjectmeta.SetObjectMeta(u.Object, meta); err != nil {
			return unknown, field.ErrorList{field.Invalid(field.NewPath("metadata"), nil, err.Error())}
		}
	}
	slices.Sort(unknown)
	return unknown, nil
}

// validateCreate prepares the object for create and validates it, as the
// custom resource strategy does.
func (v *Validator) validateCreate(u *unstructured.Unstructured) field.ErrorList {
	if v.hasStatus {
		delete(u.Object, "status")
	}
	if u.GetName() == "" && u.GetGenerateName() != "" {
		u.SetName(names.SimpleNameGenerator.GenerateName(u.GetGenerateName()))
	}
	if v.namespaced && u.GetNamespace() == "" {
		u.SetNamespace("default")
	}

	var errs field.ErrorList
	if u.GetKind() != v.gvk.Kind {
		errs = append(errs, field.Invalid(field.NewPath("kind"), u.GetKind(), "must be "+v.gvk.Kind))
	}
	if want := v.gvk.GroupVersion().String(); u.GetAPIVersion() != want {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), u.GetAPIVersion(), "must be "+want))
	}
	if len(errs) > 0 {
		return errs
	}

	ctx := context.Background()
	var meta metav1.ObjectMeta
	switch raw := u.Object["metadata"].(type) {
	case nil:
	case map[string]any:
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &meta); err != nil {
			return field.ErrorList{field.Invalid(field.NewPath("metadata"), raw, err.Error())}
		}
	default:
		return field.ErrorList{field.Invalid(field.NewPath("metadata"), raw, fmt.Sprintf("expected map[string]interface{}, got %T", raw))}
	}
	errs = append(errs, metavalidation.ValidateObjectMetaDeclaratively(ctx, operation.Create, &meta, nil, v.namespaced,
		metavalidation.NameIsDNSSubdomain, field.NewPath("metadata"), utilfeature.DefaultFeatureGate.Enabled(features.DeclarativeValidationBeta))...)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, u.Object, v.schema)...)
	errs = append(errs, schemaobjectmeta.Validate(ctx, nil, u.Object, v.structural, false)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, v.structural, u.Object)...)
	if v.cel != nil {
		if blocked, err := hasBlockingErr(errs); blocked {
			errs = append(errs, err)
		} else {
			celErrs, _ := v.cel.Validate(ctx, nil, v.structural, u.Object, nil, celconfig.RuntimeCELCostBudget)
			errs = append(errs, celErrs...)
		}
	}
	return errs
}

// hasBlockingErr is the apiserver's test for errors that make CEL rules
// unsafe to run.
func hasBlockingErr(errs field.ErrorList) (bool, *field.Error) {
	for _, err := range errs {
		switch err.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")
		}
	}
	return false, nil
}

// fieldErrors converts and sorts errors: the apiserver's order depends on
// map iteration, and ours must not.
func fieldErrors(errs field.ErrorList) []FieldError {
	if len(errs) == 0 {
		return nil
	}
	out := make([]FieldError, 0, len(errs))
	for _, e := range errs {
		out = append(out, FieldError{Path: e.Field, Type: e.Type.String(), Message: e.ErrorBody()})
	}
	slices.SortFunc(out, func(a, b FieldError) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(out)
}
