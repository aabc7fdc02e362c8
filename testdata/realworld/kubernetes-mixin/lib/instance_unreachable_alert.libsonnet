// Copyright kubernetes-mixin Authors
// SPDX-License-Identifier: Apache-2.0
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

{
  local instanceUnreachableAlert = self,
  componentName:: error 'must provide component name',
  selector:: error 'must provide selector for component',

  alert: '%sInstanceUnreachable' % instanceUnreachableAlert.componentName,
  expr: |||
    up{%s} == 0
  ||| % instanceUnreachableAlert.selector,
  'for': '15m',
  labels: {
    severity: 'warning',
  },
  annotations: {
    description: 'A %s instance has been unreachable for more than 15 minutes.' % instanceUnreachableAlert.componentName,
    summary: '%s instance is unreachable.' % instanceUnreachableAlert.componentName,
  },
}
